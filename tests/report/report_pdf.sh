#!/usr/bin/env bash
# report_pdf.sh LOCKBENCH FIXTURE SCRIPTS WORK — `lockbench report --pdf`: report.pdf printed by
# headless Chromium, checked with poppler: a whole PDF of several pages, and every page that holds
# a plot (its caption ends "SVG, PNG") has the plot's colours on it (pdftoppm, then the share of
# coloured pixels), not a blank frame. Negative control: the same report with its plots hidden,
# printed the same way, fails that check. Bad uses: --pdf with --summary, and --pdf where
# Chromium is not in PATH, each one line and a non-zero exit, with no report.pdf left behind.
# Exit 77 (skipped) where Chromium or poppler-utils is not installed.
set -u
source "$(dirname "$0")/../common/lib.sh"
abs_args "usage: report_pdf.sh LOCKBENCH FIXTURE SCRIPTS WORK" lb fixture scripts work -- "$@"
export LOCKBENCH_PLOTS=$scripts
for tool in pdftoppm pdftotext pdfinfo python3; do
	command -v $tool >/dev/null || { echo "report_pdf: SKIP: $tool is not installed (Debian: poppler-utils, python3)"; exit 77; }
done
chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome) ||
	{ echo "report_pdf: SKIP: Chromium is not installed"; exit 77; }

checks=0 failed=0
ok() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	checks=$((checks + 1))
	if "$@"; then echo "  ok: $what"; else failed=$((failed + 1)); echo "  FAILED: $what" >&2; fi
}

rm -rf "${work:?}/pdf"
mkdir -p "$work"
cp -r "$fixture" "$work/pdf"
chmod -R u+w "$work/pdf"
d=$work/pdf

# The pages of PDF whose text holds a plot's caption, and for each the share of coloured pixels
# (a channel differing from another by more than 40 of 255) at 30 dpi: "PAGE SHARE" lines.
plot_pages() {
	local pdf=$1 n p
	n=$(pdfinfo "$pdf" | awk '/^Pages:/ { print $2 }')
	for ((p = 1; p <= n; p++)); do
		pdftotext -f $p -l $p "$pdf" - | grep -q 'SVG, PNG' || continue
		pdftoppm -r 30 -f $p -l $p "$pdf" "$work/pdf-page"
		python3 - "$p" "$work"/pdf-page*.ppm <<'PY'
import sys
page, path = sys.argv[1], sys.argv[2]
data = open(path, 'rb').read()
# P6 header: magic, width, height, maxval, each followed by whitespace.
parts, i = [], 0
while len(parts) < 4:
    while data[i:i + 1].isspace(): i += 1
    j = i
    while not data[j:j + 1].isspace(): j += 1
    parts.append(data[i:j]); i = j
i += 1
w, h = int(parts[1]), int(parts[2])
px = data[i:i + 3 * w * h]
coloured = sum(1 for k in range(0, len(px), 3)
               if max(px[k], px[k + 1], px[k + 2]) - min(px[k], px[k + 1], px[k + 2]) > 40)
print(page, "%.4f" % (coloured / (w * h)))
PY
		rm -f "$work"/pdf-page*.ppm
	done
}
# Every plot page carries colour: at least 0.2 % of its pixels (pages with plots measured 0.8-13 %
# at 30 dpi, the same pages with the plots hidden 0.00 %).
all_coloured() { [[ -n $1 ]] && awk '$2 < 0.002 { bad = 1 } END { exit bad }' <<<"$1"; }

echo "report_pdf: $("$chromium" --version 2>/dev/null | head -1)"
out=$("$lb" report --pdf "$d" 2>&1); rc=$?
ok "report --pdf: exit 0 ($out)" test $rc = 0
ok "report.pdf is a whole PDF" bash -c "head -c5 '$d/report.pdf' | grep -q '%PDF-' && tail -c 64 '$d/report.pdf' | grep -q '%%EOF'"
pages=$(pdfinfo "$d/report.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
ok "several pages, a section a page ($pages)" test "${pages:-0}" -ge 4
ok "the summary is on the first page" bash -c "pdftotext -f 1 -l 1 '$d/report.pdf' - | grep -q 'Summary'"
ok "no temporary file left" bash -c "! compgen -G '$d/.partial-*' >/dev/null"
shares=$(plot_pages "$d/report.pdf")
echo "  plot pages and their coloured share: $(tr '\n' ' ' <<<"$shares")"
ok "the plots are on $(wc -l <<<"$shares") pages (2 or more)" test "$(wc -l <<<"$shares")" -ge 2
ok "no plot page is blank: each carries the plots' colours" all_coloured "$shares"

# Negative control: the plots hidden, printed by the same Chromium, must fail the colour check.
sed 's/<svg class="plot"/<svg class="plot" style="visibility:hidden"/' "$d/report.html" >"$d/hidden.html"
profile=$(mktemp -d)
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
	--host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$profile" --no-pdf-header-footer \
	--print-to-pdf="$d/hidden.pdf" "file://$d/hidden.html" >/dev/null 2>&1
rm -rf "$profile"
hidden=$(plot_pages "$d/hidden.pdf")
echo "  control (plots hidden): $(tr '\n' ' ' <<<"$hidden")"
not_all_coloured() { [[ -n $1 ]] && ! all_coloured "$1"; }
ok "negative control: blank plots fail the colour check" not_all_coloured "$hidden"

echo "bad uses:"
err=$("$lb" report --pdf --summary "$d" 2>&1 >/dev/null); rc=$?
ok "--pdf with --summary: exit 2, one line ($err)" bash -c "(( $rc == 2 )) && [[ \$(wc -l <<<\"\$1\") == 1 ]]" _ "$err"
# A PATH with everything of /usr/bin and /bin but Chromium.
nochrome=$work/pdf-nochrome-bin
rm -rf "$nochrome" && mkdir -p "$nochrome"
for f in /usr/bin/* /bin/*; do
	case ${f##*/} in chromium* | google-chrome*) continue ;; esac
	[[ -e $nochrome/${f##*/} ]] || ln -s "$f" "$nochrome/${f##*/}"
done
rm -f "$d/report.pdf"
err=$(PATH=$nochrome "$lb" report --pdf "$d" 2>&1 >/dev/null); rc=$?
ok "--pdf without Chromium: exit 1, one line naming the package ($err)" \
	bash -c "(( $rc == 1 )) && [[ \$(wc -l <<<\"\$1\") == 1 && \$1 == *'apt-get install chromium'* ]]" _ "$err"
ok "… and no report.pdf" test ! -e "$d/report.pdf"
rm -rf "$nochrome"

echo "report_pdf: $checks checks, $failed failed"
((failed == 0))
