# Shared by tests/deploy/*.sh and tests/multiuser/run.sh: result lines and
# a small fixture. Source after setting ROOT; FAILS counts the FAIL lines.
FAILS=0
ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
# check NAME EXPECTED ACTUAL
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (expected '$2', got '$3')"; fi; }

# empty_store DB: a store with the daemon's schema and no rows.
empty_store() {
	mkdir -p "$(dirname "$1")"
	/usr/bin/python3 - "$1" "$ROOT/tests/demo" <<'PYEOF'
import sqlite3, sys
sys.path.insert(0, sys.argv[2])
import schema
c = sqlite3.connect(sys.argv[1])
schema.create_schema(c)
c.commit()
PYEOF
	[ -f "$1" ] || fail "could not create an empty store at $1"
}
