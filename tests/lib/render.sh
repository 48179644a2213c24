# render TEMPLATE OUT: replaces every @NAME@ in TEMPLATE with $NAME (comment
# lines are left alone). A name that is not set in the environment is an
# error: a typo in a template must not silently become an empty string.
render() {
	perl -pe 's/@([A-Z][A-Z0-9_]*)@/exists $ENV{$1} ? $ENV{$1} : die "render: $1 is not set\n"/ge unless /^\s*#/' \
		"$1" >"$2.tmp" && mv "$2.tmp" "$2"
}
