# Sourced by the browser tests (sh): headless Chromium with a throwaway
# profile, and one way to report a check. Set before sourcing:
#   browser_window  the window's size, "WIDTH,HEIGHT"
#   browser_flags   further Chromium flags (may be empty)
# Exits 77 (skipped) when Chromium is not installed.
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "skipped: $chromium is not installed (apt-get install -y chromium)"
  exit 77
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
browse() {
  # $browser_flags unquoted on purpose: it holds zero or more flags.
  # shellcheck disable=SC2086
  timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run $browser_flags --user-data-dir="$profile" \
    --window-size="$browser_window" "$@" 2>/dev/null
}

fail=0
check() {  # check DESCRIPTION COMMAND...
  description=$1
  shift
  if "$@"; then echo "ok: $description"; else echo "FAIL: $description"; fail=1; fi
}
