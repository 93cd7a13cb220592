#!/usr/bin/env bash
# Prepares bench/work/ (git-ignored) for the benchmark scripts in bench/:
#   sdist/                 the corpus sdists, fetched from PyPI by pinned version
#   projects/NAME/         each sdist unpacked, with [tool.mutrun] and [tool.mutmut] appended to its
#                          pyproject.toml (the scripts copy it afresh for every run)
#   venv/NAME/             pytest + the project's test deps, NOT the project itself (tests must
#                          import the mutants/ copy); mutrun is pointed at it with VIRTUAL_ENV
#   venv/mutmut/           mutmut==3.8.1 + pytest + every project's test deps (mutmut runs pytest
#                          in its own process, so the deps live beside it)
#   venv/fixtures/         pytest + pytest-asyncio, for fixtures/ (simple, src_layout, hazards)
# Each step is skipped when its result exists, so re-running is cheap. Delete bench/work/ to redo.
#
# Usage: bench/setup.sh [--check]     (--check: run each project's suite once, unmutated)
# Env:   PYTHON (default python3) — the interpreter every venv is made from.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="$here/work"
python="${PYTHON:-python3}"
check=0
case "${1:-}" in
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --check) check=1 ;;
    "") ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac

# name version sdist-name test-deps (comma separated, may be empty)
corpus=(
    "python-slugify 9.2.0 python_slugify text-unidecode"
    "isodate 0.7.2 isodate -"
    "marshmallow 4.4.0 marshmallow simplejson"
    "semver 3.0.4 semver packaging"
    "cachetools 5.5.2 cachetools -"
)
# Pinned so mutrun's and mutmut's runs use the same pytest.
pytest_pin="pytest==9.2.0"

mkdir -p "$work/sdist" "$work/projects" "$work/venv"

log() { printf '[setup] %s\n' "$*"; }

make_venv() { # dir packages...
    local dir="$1"; shift
    if [ -x "$dir/bin/python" ] && [ -f "$dir/.bench-ok" ]; then
        log "venv ${dir#$work/} exists"
        return
    fi
    log "venv ${dir#$work/}: $*"
    rm -rf "$dir"
    "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@"
    touch "$dir/.bench-ok"
}

src_config() { # package -> the config block of a src/ layout with tests/ (mutmut's table last)
    cat <<EOF

# --- added by bench/setup.sh ---
[tool.mutrun]
paths_to_mutate = ["src/$1"]
tests_dir = "tests"

[tool.mutmut]
source_paths = ["src/$1/"]
EOF
}

config_for() { # name -> the config block appended to its pyproject.toml
    case "$1" in
        python-slugify) cat <<'EOF'

# --- added by bench/setup.sh ---
[tool.mutrun]
paths_to_mutate = ["slugify"]
tests_dir = "tests"
also_copy = ["README.md", "tools"]

[tool.mutmut]
source_paths = ["slugify/"]
also_copy = ["README.md", "tools/"]
EOF
        ;;
        isodate|marshmallow|cachetools) src_config "$1" ;;
        semver)
            src_config semver
            cat <<'EOF'
# mutmut copies only the sources and tests: without its pytest config the tests import the
# original package (`pythonpath = src`) and reach no mutant.
also_copy = [".pytest.ini", "tests/"]
EOF
            ;;
    esac
}

adapt() { # name dir -> changes a project needs to run here, beyond its config block
    case "$1" in
        # Its .pytest.ini's addopts measure coverage with pytest-cov (not installed: every tool
        # would pay for coverage.py's tracer); drop those options, keep the rest.
        semver) sed -i -e '/--cov/d' -e '/--no-cov-on-fail/d' "$2/.pytest.ini" ;;
    esac
}

all_deps=()
for entry in "${corpus[@]}"; do
    read -r name version sdname deps <<<"$entry"
    dest="$work/projects/$name"
    if [ ! -f "$dest/.bench-ok" ]; then
        tarball=$(ls "$work/sdist/$sdname-$version".tar.gz 2>/dev/null || true)
        if [ -z "$tarball" ]; then
            log "fetching $name==$version"
            "$python" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
                "$name==$version" -d "$work/sdist"
            tarball="$work/sdist/$sdname-$version.tar.gz"
        fi
        log "unpacking $name into projects/$name"
        rm -rf "$dest" "$work/projects/$sdname-$version"
        tar -xzf "$tarball" -C "$work/projects"
        mv "$work/projects/$sdname-$version" "$dest"
        config_for "$name" >>"$dest/pyproject.toml"
        adapt "$name" "$dest"
        touch "$dest/.bench-ok"
    else
        log "project $name exists"
    fi
    pkgs=("$pytest_pin")
    if [ "$deps" != "-" ]; then
        IFS=, read -r -a extra <<<"$deps"
        pkgs+=("${extra[@]}")
        all_deps+=("${extra[@]}")
    fi
    make_venv "$work/venv/$name" "${pkgs[@]}"
done

make_venv "$work/venv/mutmut" mutmut==3.8.1 "$pytest_pin" "${all_deps[@]}"
make_venv "$work/venv/fixtures" "$pytest_pin" pytest-asyncio

if [ "$check" = 1 ]; then
    for entry in "${corpus[@]}"; do
        read -r name _ <<<"$entry"
        dir="$work/projects/$name"
        pp=""
        [ -d "$dir/src" ] && pp="$dir/src"
        log "checking $name: its own suite, unmutated"
        (cd "$dir" && PYTHONPATH="$pp" "$work/venv/$name/bin/python" -m pytest -q -p no:cacheprovider tests | tail -n 1)
    done
fi
log "done: $work"
