#!/usr/bin/env bash
# Fails when code under cgi/ writes to the response any way other than the
# output layer (html.h / resp.h). Usage: check_output_layer.sh [DIR]
# With --selftest it proves on a planted file that it can fail.
set -u
dir=${1:-cgi}

# Files that ARE the output layer, the transport, or a CLI writing to a
# terminal (not to a response).
allowed='^(main|dispatch|html|resp|buf|req|cli|cli_[a-z_]+)\.c$'

forbidden=(
  '\b(printf|vprintf|puts|putchar|fputs|fwrite)[[:space:]]*\('
  'fprintf[[:space:]]*\([[:space:]]*stdout'
  'FCGX_(Put|FPrintF|VFPrintF|PutS|PutStr)'
  '\bwrite[[:space:]]*\([[:space:]]*(1|STDOUT_FILENO)[[:space:]]*,'
  '\b(r|req)->body\b'
  '\bh_lit_[[:space:]]*\('
)

if [ "${1:-}" = "--selftest" ]; then
  t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
  printf 'void x(struct req *r){ printf("%%s", r->path); }\n' > "$t/page_bad.c"
  if "$0" "$t" >/dev/null; then echo "FAIL - check_output_layer: selftest did not catch a violation"; exit 1; fi
  printf 'void x(struct req *r){ buf_puts(&r->body, r->path); }\n' > "$t/page_bad.c"
  if "$0" "$t" >/dev/null; then echo "FAIL - check_output_layer: selftest missed a direct body write"; exit 1; fi
  echo "ok - check_output_layer:selftest"
  exit 0
fi

bad=0
for f in "$dir"/*.c; do
  [ -e "$f" ] || continue
  b=$(basename "$f")
  [[ $b =~ $allowed ]] && continue
  for pat in "${forbidden[@]}"; do
    # Comments and string literals may mention the names; strip // comments.
    hits=$(sed -e 's://.*$::' "$f" | grep -nE -e "$pat" || true)
    if [ -n "$hits" ]; then
      echo "FAIL - check_output_layer: $f writes outside the output layer ($pat):"
      echo "$hits" | sed 's/^/    /'
      bad=1
    fi
  done
done
[ $bad -eq 0 ] && echo "ok - check_output_layer:$dir"
exit $bad
