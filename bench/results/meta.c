/* meta.c — what a result was measured on, for reproducibility: meta_collect (see output.h).
 * The sources are files under /proc and /sys, uname, glibc's own version call and, for the
 * virtualisation type, systemd-detect-virt when it is installed; a source that is missing
 * leaves "unknown" (or an empty text), never an error: metadata must not stop a measurement.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "results/output.h"
#include "topo/topo.h"
#include "version.h"
#include "run/workload.h"
static void cpu_model(char *buf, size_t len)
{
	char line[512];
	snprintf(buf, len, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "model name", 10) == 0 || strncmp(line, "Model", 5) == 0) {
			const char *v = strchr(line, ':');
			if (v) {
				v += strspn(v + 1, " \t") + 1;
				snprintf(buf, len, "%.*s", (int)strcspn(v, "\n"), v);
				break;
			}
		}
	}
	fclose(f);
}

/* The first line of a small file, without its newline; -errno when it cannot be read. */
static int first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	int rc = fgets(buf, (int)len, f) ? 0 : -EIO;
	fclose(f);
	if (rc == 0)
		buf[strcspn(buf, "\n")] = '\0';
	return rc;
}

/* One word of output from `systemd-detect-virt ARG` ("kvm", "none", "docker"), or "" when the
 * program is missing or says nothing. It exits 1 for "none", so the status is not looked at. */
static void detect_virt(const char *arg, char *buf, size_t len)
{
	char cmd[96];
	buf[0] = '\0';
	snprintf(cmd, sizeof cmd, "systemd-detect-virt %s 2>/dev/null", arg);
	FILE *f = popen(cmd, "r");
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	pclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* A hypervisor's name from the DMI strings it fills in, "" when none is recognised. */
static const char *dmi_hypervisor(void)
{
	static const struct {
		const char *needle, *name;
	} known[] = {
		{ "KVM", "kvm" },	    { "QEMU", "qemu" },	 { "VMware", "vmware" },
		{ "VirtualBox", "oracle" }, { "Xen", "xen" },	 { "Microsoft", "microsoft" },
		{ "Amazon EC2", "amazon" }, { "Google", "google" }, { "Bochs", "bochs" },
	};
	static const char *const files[] = { "/sys/class/dmi/id/product_name",
					     "/sys/class/dmi/id/sys_vendor" };
	char s[128];
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++)
		if (first_line(files[f], s, sizeof s) == 0)
			for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
				if (strstr(s, known[k].needle))
					return known[k].name;
	return "";
}

/* The virtual machine under us and the container around us: systemd-detect-virt's --vm and
 * --container words when it is installed, else /sys/hypervisor/type, the cpuinfo "hypervisor"
 * flag with the DMI strings, and the container runtimes' marker files. "none" only when a source
 * says so (systemd-detect-virt, or an x86 cpuinfo without the flag); "unknown" otherwise. */
static void virtualization(char *buf, size_t len)
{
	char vm[64], ct[64];
	detect_virt("--vm", vm, sizeof vm);
	detect_virt("--container", ct, sizeof ct);
	if (!vm[0] && first_line("/sys/hypervisor/type", vm, sizeof vm) != 0)
		vm[0] = '\0';
	if (!vm[0]) {
		int flag = cpuinfo_has_flag("hypervisor");
		if (flag > 0)
			snprintf(vm, sizeof vm, "%s", dmi_hypervisor()[0] ? dmi_hypervisor() : "vm");
		else if (flag == 0 && LB_HAVE_RDTSC)
			snprintf(vm, sizeof vm, "none"); /* x86 sets the flag under every hypervisor */
	}
	if (!ct[0] && access("/.dockerenv", F_OK) == 0)
		snprintf(ct, sizeof ct, "docker");
	else if (!ct[0] && access("/run/.containerenv", F_OK) == 0)
		snprintf(ct, sizeof ct, "podman");
	snprintf(buf, len, "%s", vm[0] ? vm : "unknown");
	if (ct[0] && strcmp(ct, "none") != 0) {
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, " (container: %s)", ct);
	}
}

/* "name: text" per file of /sys/devices/system/cpu/vulnerabilities, in name order. */
static void mitigations(char *buf, size_t len)
{
	static const char dir[] = "/sys/devices/system/cpu/vulnerabilities";
	struct dirent **names;
	buf[0] = '\0';
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return;
	size_t used = 0;
	for (int i = 0; i < n; i++) {
		char path[512], text[256];
		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
			if (first_line(path, text, sizeof text) != 0)
				snprintf(text, sizeof text, "(unreadable)");
			int w = snprintf(buf + used, len - used, "%s: %s\n", names[i]->d_name, text);
			if (w < 0 || (size_t)w >= len - used)
				buf[used] = '\0'; /* a whole line or none */
			else
				used += (size_t)w;
		}
		free(names[i]);
	}
	free(names);
}

int meta_collect(struct run_meta *m, const struct topo *t)
{
	memset(m, 0, sizeof *m);
	if (gethostname(m->host, sizeof m->host - 1) != 0)
		snprintf(m->host, sizeof m->host, "unknown");
	cpu_model(m->cpu_model, sizeof m->cpu_model);
	if (t) {
		topo_summary(t, m->topology, sizeof m->topology);
		topo_allowed_str(t, m->allowed_cpus, sizeof m->allowed_cpus);
		m->allowed_count = topo_allowed_count(t);
	}
	struct utsname u;
	if (uname(&u) == 0)
		snprintf(m->kernel, sizeof m->kernel, "%s %s %s %s", u.sysname, u.release, u.version,
			 u.machine);
	clocksource_name(m->clocksource, sizeof m->clocksource);
	char flags[128], why[128];
	int inv = tsc_invariant(flags, sizeof flags, why, sizeof why);
	snprintf(m->tsc, sizeof m->tsc, "%.100s (%.80s)", inv ? "invariant" : why, flags);
	snprintf(m->timing_clock, sizeof m->timing_clock, "%s", inv ? "rdtsc" : "clock_gettime");
	snprintf(m->hw_counters, sizeof m->hw_counters, "not measured");
	snprintf(m->glibc, sizeof m->glibc, "%s", gnu_get_libc_version());
	virtualization(m->virtualization, sizeof m->virtualization);
	mitigations(m->mitigations, sizeof m->mitigations);
	m->compiler = LB_COMPILER;
	m->cflags = LB_CFLAGS;
	m->version = LB_VERSION;
	m->git_revision = LB_GIT_REVISION;
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm))
		strftime(m->date_utc, sizeof m->date_utc, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return 0;
}
