#!/usr/bin/env bash
# Builds kube-apiserver (and etcd) for the test lab from the Go module proxy, cached per version in
# $CMA_DEMO_CACHE (default ~/.cache/cma-demo). Recipe: ../shared/reference/test-lab.md §1 and §3.
# Idempotent: a cached binary is reused; a rebuild with warm GOCACHE takes seconds.
set -euo pipefail
KUBE_VERSION="${CMA_DEMO_KUBE_VERSION:-1.33.13}"
ETCD_VERSION="${CMA_DEMO_ETCD_VERSION:-3.5.35}"
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

build_kube() {
  local dir="$CACHE/kube-$KUBE_VERSION"
  if [[ -x "$dir/bin/kube-apiserver" ]]; then echo "kube-apiserver $KUBE_VERSION: cached ($dir/bin/kube-apiserver)"; return; fi
  local minor="${KUBE_VERSION#1.}"; minor="${minor%%.*}"
  local staging="0.${KUBE_VERSION#1.}"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" && cd "$dir.tmp"
  go mod init lab.local/kube >/dev/null 2>&1
  go mod edit -godebug=default=go1.23
  local gomod
  gomod="$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).GoMod))')"
  local mods
  mods="$(go mod edit -json "$gomod" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const r of JSON.parse(s).Require)if(r.Version==="v0.0.0")console.log(r.Path)})')"
  for m in $mods; do go mod edit "-replace=$m=$m@v$staging"; done
  go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v$KUBE_VERSION"
  local ldf="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf+=" -X $p.gitVersion=v$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  done
  ldf+=" -X k8s.io/component-base/version.gitTreeState=clean"
  mkdir -p bin
  go build -trimpath -ldflags "$ldf" -o bin/ k8s.io/kubernetes/cmd/kube-apiserver
  cd "$CACHE" && rm -rf "$dir" && mv "$dir.tmp" "$dir"
  echo "kube-apiserver $KUBE_VERSION: built ($dir/bin/kube-apiserver)"
}

case "${1:-all}" in
  etcd) build_etcd ;;
  kube) build_kube ;;
  all) build_etcd; build_kube ;;
esac
