# shellcheck shell=bash
# Provisioning shared by run-tests.sh and with-services.sh (sourced, not executed).
#
# It makes a fresh Debian 12 machine able to run the suites: installs npm dependencies, the system
# tools the suites call (redis-server, protoc, promtool, bubblewrap, python3, chromium), builds FerretDB, helm and kubeconform
# once into a cache (with the Kubernetes JSON Schemas kubeconform checks the Helm chart against), starts a
# private Redis and FerretDB on free loopback ports unless REDIS_URL / MONGODB_URL are already set,
# and stops whatever it started when the calling script exits.

ACAI_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ACAI_CACHE_DIR="${ACAI_CACHE_DIR:-${HOME:-/root}/.cache/acai}"
ACAI_FERRETDB_VERSION="v1.24.2"
ACAI_FERRETDB_BIN="$ACAI_CACHE_DIR/ferretdb-$ACAI_FERRETDB_VERSION/ferretdb"
# The Helm chart's checks (tests/integration/deploy-helm-chart.test.ts): helm renders it, kubeconform
# validates the output against JSON Schemas generated from Kubernetes' OpenAPI document (module
# k8s.io/kubernetes) and the ServiceMonitor CRD (module prometheus-operator), all from the Go module proxy.
ACAI_HELM_VERSION="v4.3.2"
ACAI_KUBECONFORM_VERSION="v0.8.0"
ACAI_KUBERNETES_VERSION="v1.37.2"
ACAI_PROMETHEUS_OPERATOR_VERSION="v0.85.0"
ACAI_HELM_BIN="$ACAI_CACHE_DIR/helm-$ACAI_HELM_VERSION/helm"
ACAI_KUBECONFORM_BIN="$ACAI_CACHE_DIR/kubeconform-$ACAI_KUBECONFORM_VERSION/kubeconform"
ACAI_K8S_SCHEMA_DIR="$ACAI_CACHE_DIR/k8s-schemas-$ACAI_KUBERNETES_VERSION-prometheus-operator-$ACAI_PROMETHEUS_OPERATOR_VERSION"
# Process state of this run; filled by acai_start_services, used by acai_stop_services.
ACAI_RUN_DIR=""
ACAI_STARTED_REDIS_PORT=""
ACAI_STARTED_FERRETDB_PID=""

acai_log() { printf '[acai-test] %s\n' "$*" >&2; }

acai_fail() {
  acai_log "error: $*"
  exit 1
}

acai_as_root() {
  if [[ "$(id -u)" == "0" ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    acai_fail "need root (or sudo) to run: $*"
  fi
}

# npm ci when node_modules is missing or was installed from a different package-lock.json.
acai_ensure_node_modules() {
  local stamp="$ACAI_REPO_ROOT/node_modules/.acai-lock-hash"
  local hidden_lock="$ACAI_REPO_ROOT/node_modules/.package-lock.json"
  local lock="$ACAI_REPO_ROOT/package-lock.json"
  local hash
  hash="$(sha256sum "$lock" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then return 0; fi
  # npm writes its hidden lockfile after every install; when it is newer than package-lock.json the
  # tree already matches (e.g. after `npm install <pkg>`), so a full reinstall would only cost time.
  if [[ -d "$ACAI_REPO_ROOT/node_modules" && -f "$hidden_lock" && "$hidden_lock" -nt "$lock" ]]; then
    printf '%s\n' "$hash" >"$stamp"
    return 0
  fi
  acai_log "installing npm dependencies (npm ci)"
  (cd "$ACAI_REPO_ROOT" && npm ci --no-audit --no-fund)
  printf '%s\n' "$hash" >"$stamp"
}

# Go lives in /usr/local/go on these machines, which is not always on PATH (e.g. under sudo or CI).
acai_ensure_go_on_path() {
  if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
    export PATH="$PATH:/usr/local/go/bin"
  fi
}

# apt-get only when something is missing, so re-runs never touch the network.
acai_ensure_system_packages() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v redis-cli >/dev/null || missing+=(redis-tools)
  command -v protoc >/dev/null || missing+=(protobuf-compiler)
  # protoc's well-known types (google/protobuf/timestamp.proto) ship in libprotobuf-dev, which
  # apt only pulls in as a recommendation, so --no-install-recommends would leave them out.
  [[ -f /usr/include/google/protobuf/timestamp.proto ]] || missing+=(libprotobuf-dev)
  command -v promtool >/dev/null || missing+=(prometheus)
  # The OS sandbox of third-party plugins and stdio MCP servers (core/src/plugin-host/sandbox), and the
  # Python the hostile-server suites run a stdio MCP server with.
  [[ -x /usr/bin/bwrap ]] || missing+=(bubblewrap)
  [[ -x /usr/bin/python3 ]] || missing+=(python3)
  if ((${#missing[@]} == 0)); then return 0; fi
  acai_log "installing system packages: ${missing[*]}"
  acai_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  acai_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Chromium for the browser suite (tests/browser). Its install is allowed to fail: the browser tests
# then report themselves skipped with the reason. When it is present, ACAI_TEST_CHROMIUM_BIN is
# exported and the browser tests must run (a launch failure fails them instead of skipping).
acai_ensure_browser() {
  if ! command -v chromium >/dev/null; then
    acai_log "installing chromium for the browser tests"
    { acai_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      acai_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } ||
      acai_log "warning: chromium could not be installed; the browser tests will be skipped"
  fi
  if command -v chromium >/dev/null; then export ACAI_TEST_CHROMIUM_BIN="${ACAI_TEST_CHROMIUM_BIN:-$(command -v chromium)}"; fi
}

# Builds FerretDB from the Go module proxy once. A plain `go install` panics at start-up because
# build/version/version.txt is not part of the module zip, so we vendor the module and add the file.
acai_ensure_ferretdb() {
  if [[ -x "$ACAI_FERRETDB_BIN" ]]; then return 0; fi
  acai_ensure_go_on_path
  command -v go >/dev/null || acai_fail "Go (>= 1.24) is needed to build FerretDB $ACAI_FERRETDB_VERSION; install it or set MONGODB_URL"
  local target_dir
  target_dir="$(dirname "$ACAI_FERRETDB_BIN")"
  mkdir -p "$target_dir"
  (
    # Serialise concurrent first runs; the loser finds the binary already built.
    flock 9
    if [[ -x "$ACAI_FERRETDB_BIN" ]]; then exit 0; fi
    acai_log "building FerretDB $ACAI_FERRETDB_VERSION into $target_dir (first run only, about a minute)"
    local scratch="$target_dir/build"
    rm -rf "$scratch"
    mkdir -p "$scratch"
    cd "$scratch"
    export GOFLAGS="" GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
    local build_log="$scratch/build.log"
    if ! {
      go mod init scratch/ferret &&
        go get -tool "github.com/FerretDB/FerretDB/cmd/ferretdb@$ACAI_FERRETDB_VERSION" &&
        go mod vendor &&
        chmod -R u+w vendor &&
        printf '%s\n' "$ACAI_FERRETDB_VERSION" >vendor/github.com/FerretDB/FerretDB/build/version/version.txt &&
        go build -mod=vendor -o "$ACAI_FERRETDB_BIN.partial" github.com/FerretDB/FerretDB/cmd/ferretdb
    } >"$build_log" 2>&1; then
      tail -n 40 "$build_log" >&2
      exit 1
    fi
    mv "$ACAI_FERRETDB_BIN.partial" "$ACAI_FERRETDB_BIN"
    cd "$target_dir"
    rm -rf "$scratch"
  ) 9>"$target_dir/.build.lock"
  [[ -x "$ACAI_FERRETDB_BIN" ]] || acai_fail "FerretDB build failed"
}

# `go install <module>/<cmd>@<version>` into <target>, once; serialised like the FerretDB build.
# Returns non-zero (after printing the build log's tail) instead of exiting: the test that needs the tool
# then fails and names it, while the rest of the suite still runs.
acai_go_install_once() {
  local target="$1" package="$2" version="$3"
  if [[ -x "$target" ]]; then return 0; fi
  acai_ensure_go_on_path
  if ! command -v go >/dev/null; then
    acai_log "warning: Go is needed to build $(basename "$target") $version; the Helm chart test will fail"
    return 1
  fi
  local target_dir
  target_dir="$(dirname "$target")"
  mkdir -p "$target_dir"
  (
    flock 9
    if [[ -x "$target" ]]; then exit 0; fi
    acai_log "building $(basename "$target") $version into $target_dir (first run only, a few minutes)"
    local build_log="$target_dir/build.log"
    if ! GOFLAGS="" GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" GOBIN="$target_dir/.partial" go install -ldflags="-s -w" "$package@$version" >"$build_log" 2>&1; then
      tail -n 40 "$build_log" >&2
      exit 1
    fi
    mv "$target_dir/.partial/$(basename "$package")" "$target"
    rm -rf "$target_dir/.partial" "$build_log"
  ) 9>"$target_dir/.build.lock"
}

# JSON Schemas for kubeconform, generated offline (its default downloads them from a site this machine
# cannot reach) by tests/support/generate-k8s-schemas.ts from two module zips fetched with `go mod
# download` into a scratch module cache that is removed afterwards. Needs node_modules (tsx).
acai_ensure_k8s_schemas() {
  if [[ -f "$ACAI_K8S_SCHEMA_DIR/_definitions.json" ]]; then return 0; fi
  acai_ensure_go_on_path
  if ! command -v go >/dev/null; then
    acai_log "warning: Go is needed to fetch the Kubernetes OpenAPI document; the Helm chart test will fail"
    return 1
  fi
  mkdir -p "$ACAI_CACHE_DIR"
  (
    flock 9
    if [[ -f "$ACAI_K8S_SCHEMA_DIR/_definitions.json" ]]; then exit 0; fi
    acai_log "generating Kubernetes $ACAI_KUBERNETES_VERSION JSON Schemas into $ACAI_K8S_SCHEMA_DIR (first run only)"
    local scratch
    scratch="$(mktemp -d "$ACAI_CACHE_DIR/k8s-modules.XXXXXX")"
    trap 'rm -rf "$scratch"' EXIT
    module_dir() {
      GOFLAGS=-modcacherw GOMODCACHE="$scratch" go mod download -json "$1@$2" | node -e \
        "let s='';process.stdin.on('data',(c)=>s+=c).on('end',()=>{const m=JSON.parse(s);if(m.Error){console.error(m.Error);process.exit(1)}console.log(m.Dir)})"
    }
    local kubernetes operator
    kubernetes="$(module_dir k8s.io/kubernetes "$ACAI_KUBERNETES_VERSION")" &&
      operator="$(module_dir github.com/prometheus-operator/prometheus-operator "$ACAI_PROMETHEUS_OPERATOR_VERSION")" &&
      "$ACAI_REPO_ROOT/node_modules/.bin/tsx" "$ACAI_REPO_ROOT/tests/support/generate-k8s-schemas.ts" \
        "$kubernetes/api/openapi-spec/swagger.json" "$ACAI_K8S_SCHEMA_DIR" \
        "$operator/jsonnet/prometheus-operator/servicemonitors-crd.json" \
        "$operator/jsonnet/prometheus-operator/prometheusrules-crd.json"
  ) 9>"$ACAI_CACHE_DIR/.k8s-schemas.lock"
}

# helm, kubeconform and the schemas for the Helm chart test. Anything missing is reported by that test.
acai_ensure_k8s_tools() {
  acai_go_install_once "$ACAI_HELM_BIN" helm.sh/helm/v4/cmd/helm "$ACAI_HELM_VERSION" &&
    export ACAI_TEST_HELM_BIN="$ACAI_HELM_BIN"
  acai_go_install_once "$ACAI_KUBECONFORM_BIN" github.com/yannh/kubeconform/cmd/kubeconform "$ACAI_KUBECONFORM_VERSION" &&
    export ACAI_TEST_KUBECONFORM_BIN="$ACAI_KUBECONFORM_BIN"
  acai_ensure_k8s_schemas && export ACAI_TEST_K8S_SCHEMA_DIR="$ACAI_K8S_SCHEMA_DIR"
  return 0
}

acai_free_port() {
  node -e "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();})"
}

acai_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Waits for a service the script started; 60 s, because a loaded machine (npm run test:loaded) is slow to start them.
acai_wait_for() {
  local description="$1" attempts=600
  shift
  until "$@"; do
    attempts=$((attempts - 1))
    if ((attempts == 0)); then acai_fail "$description did not come up within 60 s"; fi
    sleep 0.1
  done
}

acai_redis_ready() { redis-cli -p "$1" ping 2>/dev/null | grep -q PONG; }

acai_start_services() {
  ACAI_RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/acai-test.XXXXXX")"
  trap acai_stop_services EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  export ACAI_TEST_REDIS_SERVER_BIN="${ACAI_TEST_REDIS_SERVER_BIN:-$(command -v redis-server)}"
  if [[ -n "${REDIS_URL:-}" ]]; then
    acai_log "using REDIS_URL from the environment"
  else
    local redis_port
    redis_port="$(acai_free_port)"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
      --dir "$ACAI_RUN_DIR" --pidfile "$ACAI_RUN_DIR/redis.pid" --logfile "$ACAI_RUN_DIR/redis.log" >/dev/null
    ACAI_STARTED_REDIS_PORT="$redis_port"
    acai_wait_for "redis-server on port $redis_port" acai_redis_ready "$redis_port"
    export REDIS_URL="redis://127.0.0.1:$redis_port"
  fi

  if [[ -n "${MONGODB_URL:-}" ]]; then
    acai_log "using MONGODB_URL from the environment"
  else
    acai_ensure_ferretdb
    export ACAI_TEST_FERRETDB_BIN="$ACAI_FERRETDB_BIN"
    local ferret_port
    ferret_port="$(acai_free_port)"
    mkdir -p "$ACAI_RUN_DIR/ferretdb"
    "$ACAI_FERRETDB_BIN" --handler=sqlite --sqlite-url="file:$ACAI_RUN_DIR/ferretdb/" \
      --listen-addr="127.0.0.1:$ferret_port" --state-dir="$ACAI_RUN_DIR" --telemetry=disable \
      --debug-addr=- --log-level=warn >"$ACAI_RUN_DIR/ferretdb.log" 2>&1 &
    ACAI_STARTED_FERRETDB_PID=$!
    acai_wait_for "FerretDB on port $ferret_port" acai_port_open "$ferret_port"
    export MONGODB_URL="mongodb://127.0.0.1:$ferret_port/"
  fi
  acai_log "services: REDIS_URL=$REDIS_URL MONGODB_URL=$MONGODB_URL"
}

acai_stop_services() {
  local status=$?
  if [[ -n "$ACAI_STARTED_FERRETDB_PID" ]]; then
    kill "$ACAI_STARTED_FERRETDB_PID" 2>/dev/null || true
    wait "$ACAI_STARTED_FERRETDB_PID" 2>/dev/null || true
    ACAI_STARTED_FERRETDB_PID=""
  fi
  if [[ -n "$ACAI_STARTED_REDIS_PORT" ]]; then
    redis-cli -p "$ACAI_STARTED_REDIS_PORT" shutdown nosave >/dev/null 2>&1 ||
      { [[ -f "$ACAI_RUN_DIR/redis.pid" ]] && kill "$(cat "$ACAI_RUN_DIR/redis.pid")" 2>/dev/null; } || true
    ACAI_STARTED_REDIS_PORT=""
  fi
  if [[ -n "$ACAI_RUN_DIR" ]]; then
    rm -rf "$ACAI_RUN_DIR"
    ACAI_RUN_DIR=""
  fi
  return "$status"
}

# Everything a suite needs before it runs: dependencies, tools and services.
acai_provision() {
  cd "$ACAI_REPO_ROOT"
  acai_ensure_go_on_path
  acai_ensure_system_packages
  acai_ensure_browser
  acai_ensure_node_modules
  acai_ensure_k8s_tools
  acai_start_services
}
