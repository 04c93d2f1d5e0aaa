#!/usr/bin/env bash
# Builds kube-apiserver (and etcd) for the test lab from the Go module proxy, cached per version in
# $CMA_DEMO_CACHE (default ~/.cache/cma-demo). Recipe: docs/design.md §11.2.
# Idempotent: a cached binary is reused; a rebuild with warm GOCACHE takes seconds.
set -euo pipefail
KUBE_VERSION="${CMA_DEMO_KUBE_VERSION:-1.33.13}"
ETCD_VERSION="${CMA_DEMO_ETCD_VERSION:-3.5.35}"
KEDA_VERSION="${CMA_DEMO_KEDA_VERSION:-2.20.2}"
CACHE="${CMA_DEMO_CACHE:-$HOME/.cache/cma-demo}"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build"
mkdir -p "$CACHE"

build_etcd() {
  local dir="$CACHE/etcd-$ETCD_VERSION"
  if [[ -x "$dir/bin/etcd" ]]; then echo "etcd $ETCD_VERSION: cached ($dir/bin/etcd)"; return; fi
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" && cd "$dir.tmp"
  go mod init lab.local/etcd >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION"
  go build -trimpath -ldflags "-s -w" -o bin/etcd go.etcd.io/etcd/server/v3
  cd "$CACHE" && rm -rf "$dir" && mv "$dir.tmp" "$dir"
  echo "etcd $ETCD_VERSION: built ($dir/bin/etcd)"
}

# kube-apiserver and kube-controller-manager from one k8s.io/kubernetes wrapper module (docs/design.md §11.2):
# the staging modules are replaced by their v0.x twins. A binary already in bin/ is kept.
build_kube() {
  local dir="$CACHE/kube-$KUBE_VERSION"
  local want=() c
  for c in kube-apiserver kube-controller-manager; do [[ -x "$dir/bin/$c" ]] || want+=("$c"); done
  if [[ ${#want[@]} -eq 0 ]]; then echo "kube $KUBE_VERSION: cached ($dir/bin)"; return; fi
  local minor="${KUBE_VERSION#1.}"; minor="${minor%%.*}"
  local staging="0.${KUBE_VERSION#1.}"
  local work="$CACHE/kube-$KUBE_VERSION.work"
  if [[ ! -f "$work/go.mod" ]] || ! grep -q "kubernetes v$KUBE_VERSION" "$work/go.mod" 2>/dev/null; then
    rm -rf "$work" && mkdir -p "$work" && cd "$work"
    go mod init lab.local/kube >/dev/null 2>&1
    go mod edit -godebug=default=go1.23
    local gomod
    gomod="$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).GoMod))')"
    local mods
    mods="$(go mod edit -json "$gomod" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const r of JSON.parse(s).Require)if(r.Version==="v0.0.0")console.log(r.Path)})')"
    for m in $mods; do go mod edit "-replace=$m=$m@v$staging"; done
  fi
  cd "$work"
  local pkgs=()
  for c in "${want[@]}"; do
    go get -tool "k8s.io/kubernetes/cmd/$c@v$KUBE_VERSION"
    pkgs+=("k8s.io/kubernetes/cmd/$c")
  done
  local ldf="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf+=" -X $p.gitVersion=v$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  done
  ldf+=" -X k8s.io/component-base/version.gitTreeState=clean"
  mkdir -p bin "$dir/bin"
  go build -trimpath -ldflags "$ldf" -o bin/ "${pkgs[@]}"
  for c in "${want[@]}"; do mv "bin/$c" "$dir/bin/$c"; echo "$c $KUBE_VERSION: built ($dir/bin/$c)"; done
}

# The KEDA operator and metrics adapter (docs/design.md §11.2). `go install …@version` is refused because
# KEDA's go.mod has replace directives, so a wrapper module copies them before building both commands.
build_keda() {
  local dir="$CACHE/keda-$KEDA_VERSION"
  if [[ -x "$dir/bin/keda-operator" && -x "$dir/bin/keda-adapter" ]]; then echo "keda $KEDA_VERSION: cached ($dir/bin)"; return; fi
  local work="$CACHE/keda-$KEDA_VERSION.work"
  rm -rf "$work" && mkdir -p "$work" && cd "$work"
  go mod init lab.local/keda >/dev/null 2>&1
  local gomod
  gomod="$(go mod download -json "github.com/kedacore/keda/v2@v$KEDA_VERSION" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).GoMod))')"
  local reps
  reps="$(go mod edit -json "$gomod" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const r of JSON.parse(s).Replace||[])console.log(r.Old.Path+(r.Old.Version?"@"+r.Old.Version:"")+"="+r.New.Path+(r.New.Version?"@"+r.New.Version:""))})')"
  for r in $reps; do go mod edit "-replace=$r"; done
  go get -tool "github.com/kedacore/keda/v2/cmd/operator@v$KEDA_VERSION" "github.com/kedacore/keda/v2/cmd/adapter@v$KEDA_VERSION"
  mkdir -p bin "$dir/bin"
  local ldf="-s -w -X github.com/kedacore/keda/v2/version.Version=$KEDA_VERSION"
  go build -trimpath -ldflags "$ldf" -o bin/keda-operator github.com/kedacore/keda/v2/cmd/operator
  go build -trimpath -ldflags "$ldf" -o bin/keda-adapter github.com/kedacore/keda/v2/cmd/adapter
  mv bin/keda-operator bin/keda-adapter "$dir/bin/"
  # The CRDs of the same release (the module carries config/crd/bases), applied by `cma-demo lab up`.
  mkdir -p "$dir/crds"
  cp "$(go list -m -f '{{.Dir}}' github.com/kedacore/keda/v2)"/config/crd/bases/*.yaml "$dir/crds/"
  chmod u+w "$dir/crds/"*.yaml
  cd "$CACHE" && rm -rf "$work"
  echo "keda $KEDA_VERSION: built ($dir/bin)"
}

case "${1:-all}" in
  etcd) build_etcd ;;
  kube) build_kube ;;
  keda) build_keda ;;
  all) build_etcd; build_kube ;;
  full) build_etcd; build_kube; build_keda ;;
esac
