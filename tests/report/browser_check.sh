#!/usr/bin/env bash
# browser_check.sh — render a report.html in headless Chromium and check through the DOM that
# every <img> has loaded (complete, naturalWidth > 0) and every inline plot (<svg class="plot">)
# was drawn (a laid-out box, at least 20 shapes) with its points' hover titles parsed as SVG
# <title>s, not merely that the tags exist. A copy of
# the page, next to it, carries a small script that writes the verdict into the DOM on `load`;
# `--dump-dom` returns it. The network is blocked, so an image that is not embedded fails too.
# A negative control breaks one image in a second copy and must see the check fail.
#   tests/browser_check.sh REPORT.html [--screenshot OUT.png]
#   tests/browser_check.sh --build LOCKBENCH FIXTURE_DIR SCRIPTS_DIR WORK_DIR
#     (first runs `lockbench report` on a copy of the fixture, then checks its report.html)
# Exit 0: all images loaded and the control failed as it should; 1: a check failed; 77: no
# Chromium here (meson counts the test as skipped).
set -u

chromium=
for c in chromium chromium-browser google-chrome; do
	if command -v "$c" >/dev/null 2>&1; then
		chromium=$(command -v "$c")
		break
	fi
done
if [[ -z $chromium ]]; then
	echo "browser_check: SKIP: Chromium is not installed (Debian: apt-get install chromium)"
	exit 77
fi

shot=
if [[ ${1:-} == --build ]]; then
	(($# == 5)) || { echo "usage: $0 --build LOCKBENCH FIXTURE_DIR SCRIPTS_DIR WORK_DIR" >&2; exit 2; }
	lockbench=$2 fixture=$3 work=$5
	export LOCKBENCH_PLOTS=$4
	rm -rf "${work:?}/browser"
	mkdir -p "$work"
	cp -r "$fixture" "$work/browser"
	chmod -R u+w "$work/browser"
	"$lockbench" report "$work/browser" >/dev/null || { echo "browser_check: lockbench report failed" >&2; exit 1; }
	report=$work/browser/report.html
else
	(($# >= 1)) || { echo "usage: $0 REPORT.html [--screenshot OUT.png]" >&2; exit 2; }
	report=$1
	[[ ${2:-} == --screenshot && -n ${3:-} ]] && shot=$3
fi
[[ -s $report ]] || { echo "browser_check: $report: no such report" >&2; exit 1; }
report=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
dir=$(dirname "$report")

profile=$(mktemp -d)
probe=$dir/.browser-check-probe.html
broken=$dir/.browser-check-broken.html
trap 'rm -rf "$profile" "$probe" "$broken"' EXIT

chrome() { # chrome ARGS... URL: headless, offline, quiet
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$profile" \
		--virtual-time-budget=15000 "$@" 2>/dev/null
}

# The verdict script: every image complete with a natural width, every inline plot drawn,
# written into the DOM. "LB-IMAGES-OK N H": N images and plots, H hover titles among them.
probe_script='<script>
window.addEventListener("load", function () {
  var imgs = document.images, bad = [], hover = 0;
  for (var i = 0; i < imgs.length; i++)
    if (!imgs[i].complete || imgs[i].naturalWidth === 0) bad.push(imgs[i].alt || ("#" + i));
  var svgs = document.querySelectorAll("svg.plot");
  for (var j = 0; j < svgs.length; j++) {
    var r = svgs[j].getBoundingClientRect();
    var shapes = svgs[j].querySelectorAll("path, use, rect, circle, polyline, text").length;
    var titles = svgs[j].querySelectorAll("g.pt > title");
    for (var k = 0; k < titles.length; k++)
      if (titles[k].namespaceURI === "http://www.w3.org/2000/svg" && titles[k].textContent.length > 5) hover++;
    if (r.width < 100 || r.height < 100 || shapes < 20)
      bad.push((svgs[j].getAttribute("aria-label") || ("svg #" + j)) + " not drawn");
  }
  var n = imgs.length + svgs.length;
  var v = n === 0 ? "LB-IMAGES-NONE" :
    bad.length ? "LB-IMAGES-BROKEN " + bad.length + " of " + n + ": " + bad.join("; ") :
    "LB-IMAGES-OK " + n + " " + hover;
  var el = document.createElement("pre");
  el.id = "lb-browser-verdict";
  el.textContent = v;
  document.body.appendChild(el);
});
</script>'

with_probe() { # SRC DST: the page with the probe appended (the parser puts it into <body>)
	{ cat "$1" && printf '%s\n' "$probe_script"; } >"$2"
}

verdict() { # PAGE: the verdict line from the rendered DOM
	chrome --dump-dom "file://$1" | grep -o 'id="lb-browser-verdict">[^<]*' | sed 's/^[^>]*>//'
}

checks=0 failed=0
ok() { # DESCRIPTION STATUS
	checks=$((checks + 1))
	if [[ $2 == 0 ]]; then echo "  ok: $1"; else failed=$((failed + 1)); echo "  FAILED: $1" >&2; fi
}

imgs=$(grep -o '<img ' "$report" | wc -l)
svgs=$(grep -o '<svg class="plot"' "$report" | wc -l)
titles=$(grep -o '<g class="pt"><title>' "$report" | wc -l)
tags=$((imgs + svgs))
echo "browser_check: $report ($imgs <img>, $svgs inline plots, $titles hover titles) in $("$chromium" --version 2>/dev/null | head -1)"
with_probe "$report" "$probe"
v=$(verdict "$probe")
echo "  DOM says: ${v:-nothing (the page did not render or the probe did not run)}"
[[ $v == "LB-IMAGES-OK $tags $titles" && $tags -ge 1 ]]
ok "every image loaded and every plot drawn in the browser ($tags of $tags), all $titles hover titles parsed as SVG titles" $?

# Negative controls: the first embedded image's bytes replaced by garbage, and the first inline
# plot not drawn, must each be caught.
if ((imgs > 0)); then
	sed '0,/data:image\/png;base64,[A-Za-z0-9+\/=]*/s//data:image\/png;base64,bm90IGEgcG5n/' "$report" >"$broken.src"
	with_probe "$broken.src" "$broken"
	rm -f "$broken.src"
	v=$(verdict "$broken")
	echo "  negative control (image) DOM says: ${v:-nothing}"
	[[ $v == LB-IMAGES-BROKEN* ]]
	ok "a page with one broken image fails the check" $?
fi
if ((svgs > 0)); then
	sed '0,/<svg class="plot"/s//<svg class="plot" style="display:none"/' "$report" >"$broken.src"
	with_probe "$broken.src" "$broken"
	rm -f "$broken.src"
	v=$(verdict "$broken")
	echo "  negative control (plot) DOM says: ${v:-nothing}"
	[[ $v == LB-IMAGES-BROKEN* ]]
	ok "a page with one plot not drawn fails the check" $?
fi

if [[ -n $shot ]]; then
	chrome --hide-scrollbars --window-size=1280,2400 --screenshot="$shot" "file://$report" >/dev/null
	[[ -s $shot ]]
	ok "screenshot written to $shot" $?
fi

echo "browser_check: $checks checks, $failed failed"
((failed == 0))
