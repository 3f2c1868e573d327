# shellcheck shell=bash
# The minimal Karmada control plane that karmada-metrics-adapter needs, for scripts/bench: etcd, a
# kube-apiserver ("karmada-apiserver") and karmada-aggregated-apiserver (Cluster objects), with no
# karmada-controller-manager (Clusters are marked Ready by karmada_clusters.py). Reuses scripts/lib/
# {peers,pki,proc}.sh and scripts/lib/federation/common.sh (fed_start_apiserver, fed_kubeconfig,
# fed_apiservice_yaml, fed_externalname_yaml). Expects DIR (the bench directory, with DIR/pids) and
# P (the PKI directory, pki_init done). Everything binds and addresses 127.0.0.1 only.

# bench_karmada_up -> sets KARMADA_PORT, KARMADA_KUBECONFIG, KAA_PORT, ETCD_URL, REF_BIN, KUBECTL_BIN
bench_karmada_up() {
  ETCD_BIN=$(fedmetrics_peer_bin etcd) || { echo "bench: etcd not built (scripts/peers/build.sh etcd)" >&2; return 1; }
  APISERVER_BIN=$(fedmetrics_peer_bin kube-apiserver) || { echo "bench: kube-apiserver not built" >&2; return 1; }
  KUBECTL_BIN=$(fedmetrics_peer_bin kubectl) || { echo "bench: kubectl not built" >&2; return 1; }
  KAA_BIN=$(fedmetrics_peer_bin karmada-aggregated-apiserver) || { echo "bench: karmada-aggregated-apiserver not built" >&2; return 1; }
  REF_BIN=$(fedmetrics_peer_bin karmada-metrics-adapter) || { echo "bench: karmada-metrics-adapter not built" >&2; return 1; }
  local etcd_peer
  read -r ETCD_PORT etcd_peer KARMADA_PORT KAA_PORT < <(free_ports 4)
  ETCD_URL=http://127.0.0.1:$ETCD_PORT
  rm -rf "$DIR/etcd-data"
  start_bg "$DIR" etcd "$DIR/logs/etcd.log" "$ETCD_BIN" \
    --name fedmetrics-bench --data-dir "$DIR/etcd-data" \
    --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "fedmetrics-bench=http://127.0.0.1:$etcd_peer" --unsafe-no-fsync --log-level=warn
  local etcd_pid=$LAST_PID
  wait_until 30 "etcd /health" "$etcd_pid" "$DIR/logs/etcd.log" \
    sh -c "curl -sf --max-time 2 '$ETCD_URL/health' | grep -q '\"health\":\"true\"'" || return 1
  fed_start_apiserver karmada "$KARMADA_PORT"
  local api_pid=$LAST_PID
  KARMADA_KUBECONFIG=$DIR/kubeconfig-karmada
  fed_kubeconfig "$KARMADA_KUBECONFIG" karmada "https://127.0.0.1:$KARMADA_PORT" "$P" admin
  wait_until 180 "karmada-apiserver /readyz" "$api_pid" "$DIR/logs/kube-apiserver-karmada.log" \
    sh -c "curl -sf --max-time 5 --cacert '$P/ca.crt' --cert '$P/admin.crt' --key '$P/admin.key' 'https://127.0.0.1:$KARMADA_PORT/readyz' | grep -qx ok" || return 1
  bench_kc() { "$KUBECTL_BIN" --kubeconfig "$KARMADA_KUBECONFIG" --cache-dir "$DIR/kube-cache" --request-timeout=10s "$@"; }
  wait_until 30 "configmap extension-apiserver-authentication" "$api_pid" "$DIR/logs/kube-apiserver-karmada.log" \
    bench_kc -n kube-system get cm extension-apiserver-authentication -o name || return 1
  bench_kc apply -f - >/dev/null <<EOF || return 1
apiVersion: v1
kind: Namespace
metadata: {name: karmada-cluster}
EOF
  pki_serving_cert "$P" karmada-aggregated-apiserver DNS:karmada-aggregated-apiserver.karmada-system.svc
  start_bg "$DIR" karmada-aggregated-apiserver "$DIR/logs/karmada-aggregated-apiserver.log" "$KAA_BIN" \
    --kubeconfig="$KARMADA_KUBECONFIG" --authentication-kubeconfig="$KARMADA_KUBECONFIG" \
    --authorization-kubeconfig="$KARMADA_KUBECONFIG" \
    --etcd-servers="$ETCD_URL" --etcd-prefix=/fedmetrics/karmada \
    --secure-port="$KAA_PORT" --bind-address=127.0.0.1 \
    --tls-cert-file="$P/karmada-aggregated-apiserver.crt" --tls-private-key-file="$P/karmada-aggregated-apiserver.key" \
    --v=1
  local kaa_pid=$LAST_PID
  wait_until 60 "karmada-aggregated-apiserver /readyz" "$kaa_pid" "$DIR/logs/karmada-aggregated-apiserver.log" \
    sh -c "curl -sf --max-time 5 --cacert '$P/ca.crt' 'https://127.0.0.1:$KAA_PORT/readyz' | grep -q '^ok'" || return 1
  { fed_externalname_yaml karmada-aggregated-apiserver karmada-system
    fed_apiservice_yaml v1alpha1.cluster.karmada.io cluster.karmada.io v1alpha1 karmada-aggregated-apiserver karmada-system "$KAA_PORT" 2000 10
  } | bench_kc apply -f - >/dev/null || return 1
  wait_until 60 "APIService v1alpha1.cluster.karmada.io Available" "$kaa_pid" "$DIR/logs/karmada-aggregated-apiserver.log" \
    bench_kc wait --for=condition=Available apiservice/v1alpha1.cluster.karmada.io --timeout=5s || return 1
}

# bench_clusters register|delete [SIM_READY_FILE] -> Cluster objects for the simulator's members
bench_clusters() {
  python3 "$here/lib/bench/karmada_clusters.py" "$1" --server "https://127.0.0.1:$KARMADA_PORT" \
    --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key" ${2:+--sim-ready "$2"}
}

# bench_ref_start -> starts karmada-metrics-adapter; sets REF_PID REF_PORT. The member rate limit is raised
# (--cluster-api-qps/burst, default 40/60 per member) so that it does not cap the reference's throughput:
# the benchmark compares the request paths, not the default throttles.
bench_ref_start() {
  local metrics_port
  read -r REF_PORT metrics_port < <(free_ports 2)
  start_bg "$DIR" karmada-metrics-adapter "$DIR/logs/karmada-metrics-adapter.log" "$REF_BIN" \
    --kubeconfig="$KARMADA_KUBECONFIG" \
    --authentication-kubeconfig="$KARMADA_KUBECONFIG" --authorization-kubeconfig="$KARMADA_KUBECONFIG" \
    --client-ca-file="$P/client-ca.crt" \
    --bind-address=127.0.0.1 --secure-port="$REF_PORT" \
    --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" \
    --metrics-bind-address="127.0.0.1:$metrics_port" --profiling-bind-address="127.0.0.1:$(free_ports 1)" \
    --cluster-api-qps=100000 --cluster-api-burst=100000 --kube-api-qps=1000 --kube-api-burst=2000 \
    --v=1
  REF_PID=$LAST_PID
  wait_until 60 "karmada-metrics-adapter /readyz" "$REF_PID" "$DIR/logs/karmada-metrics-adapter.log" \
    sh -c "curl -sf --max-time 5 --cacert '$P/ca.crt' --cert '$P/admin.crt' --key '$P/admin.key' 'https://127.0.0.1:$REF_PORT/readyz' | grep -q '^ok'"
}
