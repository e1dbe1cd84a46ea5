/* symbolize.c — see symbolize.h. */
#include "exec/symbolize.h"

#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- maps ---------------------------------------------------------------------------------- */

static int maps_line(struct proc_maps *m, size_t *cap, const char *line)
{
	uint64_t start, end, offset;
	char perms[8];
	int at = -1;
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s%n", &start, &end, perms,
		   &offset, &at) != 4 ||
	    at < 0 || start >= end)
		return 0;
	const char *path = line + at;
	while (*path == ' ' || *path == '\t')
		path++;
	if (m->n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;
		struct maps_entry *e = realloc(m->e, ncap * sizeof *e);
		if (!e)
			return -ENOMEM;
		m->e = e;
		*cap = ncap;
	}
	char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	m->e[m->n++] = (struct maps_entry){ start, end, offset, p };
	return 0;
}

int proc_maps_parse(struct proc_maps *m, const char *text, size_t len)
{
	m->e = NULL;
	m->n = 0;
	size_t cap = 0;
	char line[4200];
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		if (!nl)
			break; /* a partial last line: the writer died mid-append */
		size_t n = (size_t)(nl - (text + i));
		/* A line with a NUL in it is a torn append; one longer than PATH_MAX is not maps. */
		if (n < sizeof line && !memchr(text + i, '\0', n)) {
			memcpy(line, text + i, n);
			line[n] = '\0';
			int rc = maps_line(m, &cap, line);
			if (rc) {
				proc_maps_free(m);
				return rc;
			}
		}
		i += n + 1;
	}
	return 0;
}

void proc_maps_free(struct proc_maps *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->e[i].path);
	free(m->e);
	m->e = NULL;
	m->n = 0;
}

const struct maps_entry *proc_maps_find(const struct proc_maps *m, uint64_t addr)
{
	for (size_t i = m->n; i-- > 0;)
		if (addr >= m->e[i].start && addr < m->e[i].end)
			return &m->e[i];
	return NULL;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

bool symbolize_in_preload(const struct proc_maps *m, uint64_t ret)
{
	const struct maps_entry *e = proc_maps_find(m, ret);
	return e && strncmp(base_name(e->path), "liblockbench-preload", 20) == 0;
}

/* ---- modules ------------------------------------------------------------------------------- */

struct load_seg {
	uint64_t offset, filesz, vaddr;
};

struct module {
	char *path;
	int open_errno;     /* the file could not be opened: this errno */
	Dwfl *dwfl;         /* NULL when the file is missing or not an ELF file libdwfl takes */
	Dwfl_Module *mod;
	struct load_seg *segs;
	size_t nsegs;
};

struct symbolizer {
	struct module *mods;
	size_t n;
};

/* Separate debug information from this machine's /usr/lib/debug only (symbolize.h: no
 * debuginfod). The main file's own symbol table and DWARF are used first by libdwfl. */
static int find_debuginfo_local(Dwfl_Module *mod, void **userdata, const char *modname,
				Dwarf_Addr base, const char *file_name, const char *debuglink_file,
				GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	(void)userdata, (void)modname, (void)base, (void)debuglink_crc;
	char path[4096];
	const unsigned char *id;
	GElf_Addr id_vaddr;
	int idlen = dwfl_module_build_id(mod, &id, &id_vaddr);
	if (idlen > 1 && idlen < 64) {
		int at = snprintf(path, sizeof path, "/usr/lib/debug/.build-id/%02x/", id[0]);
		for (int i = 1; i < idlen; i++)
			at += snprintf(path + at, sizeof path - (size_t)at, "%02x", id[i]);
		snprintf(path + at, sizeof path - (size_t)at, ".debug");
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			*debuginfo_file_name = strdup(path);
			return fd;
		}
	}
	if (debuglink_file && file_name) {
		const char *slash = strrchr(file_name, '/');
		int dir = slash ? (int)(slash - file_name) : 0;
		snprintf(path, sizeof path, "/usr/lib/debug%.*s/%s", dir, file_name, debuglink_file);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			*debuginfo_file_name = strdup(path);
			return fd;
		}
	}
	return -1;
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_linux_proc_find_elf, /* not called: dwfl_report_elf is given the file */
	.find_debuginfo = find_debuginfo_local,
	.section_address = dwfl_offline_section_address,
};

static void module_load(struct module *md)
{
	int fd = open(md->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		md->open_errno = errno;
		return;
	}
	close(fd);
	md->dwfl = dwfl_begin(&callbacks);
	if (!md->dwfl)
		return;
	dwfl_report_begin(md->dwfl);
	/* Base 0 with add_p_vaddr: the module at its link-time addresses (bias 0), which is what
	 * symbolize_frame computes from the maps line and the program headers. */
	md->mod = dwfl_report_elf(md->dwfl, base_name(md->path), md->path, -1, 0, true);
	dwfl_report_end(md->dwfl, NULL, NULL);
	if (!md->mod)
		return;
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(md->mod, &bias);
	size_t phnum;
	if (!elf || elf_getphdrnum(elf, &phnum) != 0)
		return;
	md->segs = calloc(phnum ? phnum : 1, sizeof *md->segs);
	if (!md->segs)
		return;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			md->segs[md->nsegs++] = (struct load_seg){ ph.p_offset, ph.p_filesz, ph.p_vaddr };
	}
}

static struct module *module_get(struct symbolizer *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->mods[i].path, path) == 0)
			return &s->mods[i];
	struct module *mods = realloc(s->mods, (s->n + 1) * sizeof *mods);
	if (!mods)
		return NULL;
	s->mods = mods;
	struct module *md = &mods[s->n];
	memset(md, 0, sizeof *md);
	if (!(md->path = strdup(path)))
		return NULL;
	s->n++;
	module_load(md);
	return md;
}

struct symbolizer *symbolizer_new(void)
{
	return calloc(1, sizeof(struct symbolizer));
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (s->mods[i].dwfl)
			dwfl_end(s->mods[i].dwfl);
		free(s->mods[i].segs);
		free(s->mods[i].path);
	}
	free(s->mods);
	free(s);
}

/* The module's link-time address of the byte mapped from file offset `fo`. */
static bool module_vaddr(const struct module *md, uint64_t fo, uint64_t *vaddr)
{
	for (size_t i = 0; i < md->nsegs; i++) {
		const struct load_seg *g = &md->segs[i];
		if (fo >= g->offset && fo - g->offset < g->filesz) {
			*vaddr = g->vaddr + (fo - g->offset);
			return true;
		}
	}
	return false;
}

/* The source line of addr when libdwfl's own lookup finds no compilation unit: elfutils 0.188
 * maps addresses to units through .debug_aranges only, which clang does not emit by default, so
 * a clang-built module has lines that only a walk over its units finds (dwarf_haspc reads each
 * unit's own ranges). */
static const char *src_by_units(Dwfl_Module *mod, Dwarf_Addr addr, int *lineno)
{
	Dwarf_Addr bias;
	for (Dwarf_Die *cu = dwfl_module_nextcu(mod, NULL, &bias); cu;
	     cu = dwfl_module_nextcu(mod, cu, &bias)) {
		if (dwarf_haspc(cu, addr - bias) <= 0)
			continue;
		Dwarf_Line *line = dwarf_getsrc_die(cu, addr - bias);
		if (!line || dwarf_lineno(line, lineno) != 0)
			return NULL;
		return dwarf_linesrc(line, NULL, NULL);
	}
	return NULL;
}

void symbolize_frame(struct symbolizer *s, const struct proc_maps *m, uint64_t ret, char *buf,
		     size_t len)
{
	const struct maps_entry *e = proc_maps_find(m, ret);
	if (!e) {
		snprintf(buf, len, "0x%" PRIx64 " (unmapped)", ret);
		return;
	}
	uint64_t fo = e->offset + (ret - e->start);
	const char *name = e->path[0] ? base_name(e->path) : "[anon]";
	if (e->path[0] != '/') { /* anonymous, [vdso], [heap]: no file to read */
		snprintf(buf, len, "0x%" PRIx64 " (%s+0x%" PRIx64 ")", ret, name, ret - e->start);
		return;
	}
	struct module *md = module_get(s, e->path);
	if (!md) {
		snprintf(buf, len, "0x%" PRIx64 " (%s+0x%" PRIx64 ", out of memory)", ret, name, fo);
		return;
	}
	if (md->open_errno) {
		snprintf(buf, len, "0x%" PRIx64 " (%s+0x%" PRIx64 ", %s missing: %s)", ret, name, fo,
			 e->path, strerror(md->open_errno));
		return;
	}
	uint64_t vaddr;
	if (!md->mod || !module_vaddr(md, fo, &vaddr)) {
		snprintf(buf, len, "0x%" PRIx64 " (%s+0x%" PRIx64 ")", ret, name, fo);
		return;
	}
	/* A return address is the instruction after the call, which may already be the next
	 * function's first (a call to a noreturn function ends its caller): look up the call. */
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *func = vaddr ? dwfl_module_addrinfo(md->mod, vaddr - 1, &off, &sym, NULL, NULL,
							NULL)
				 : NULL;
	if (!func) {
		snprintf(buf, len, "0x%" PRIx64 " (%s+0x%" PRIx64 ")", ret, name, vaddr);
		return;
	}
	int lineno = 0;
	const char *src = NULL;
	Dwfl_Line *line = dwfl_module_getsrc(md->mod, vaddr - 1);
	if (line)
		src = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
	else
		src = src_by_units(md->mod, vaddr - 1, &lineno);
	if (src && lineno > 0)
		snprintf(buf, len, "%s+0x%" PRIx64 " (%s, %s:%d)", func, (uint64_t)off + 1, name,
			 base_name(src), lineno);
	else
		snprintf(buf, len, "%s+0x%" PRIx64 " (%s)", func, (uint64_t)off + 1, name);
}
