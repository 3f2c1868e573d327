# shellcheck shell=bash
# Helpers for scripts/local-up / scripts/local-down (the loopback federation).
# Source after scripts/lib/{peers,pki,proc}.sh. Defines functions only.
# Every listener binds 127.0.0.1; every URL used here is https://127.0.0.1:<port> or
# http://127.0.0.1:<port>. APIService backends are ExternalName Services -> localhost.

# fed_kubeconfig FILE NAME SERVER PKI CERTBASE -> writes a kubeconfig (client cert auth)
fed_kubeconfig() {
  local f=$1 name=$2 server=$3 p=$4 cert=$5
  cat >"$f" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $name
  cluster:
    server: $server
    certificate-authority: $p/ca.crt
users:
- name: $cert
  user:
    client-certificate: $p/$cert.crt
    client-key: $p/$cert.key
contexts:
- name: $name
  context: {cluster: $name, user: $cert}
current-context: $name
EOF
  chmod 600 "$f"
}

# fed_kubeconfig_embedded FILE NAME SERVER PKI CERTBASE -> the same, self-contained (*-data fields), as a
# kubeconfig stored in a Secret must be
fed_kubeconfig_embedded() {
  local f=$1 name=$2 server=$3 p=$4 cert=$5
  cat >"$f" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $name
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 "$p/ca.crt")
users:
- name: $cert
  user:
    client-certificate-data: $(base64 -w0 "$p/$cert.crt")
    client-key-data: $(base64 -w0 "$p/$cert.key")
contexts:
- name: $name
  context: {cluster: $name, user: $cert}
current-context: $name
EOF
  chmod 600 "$f"
}

# fed_start_apiserver NAME PORT -> kube-apiserver on the shared etcd, prefix /fedmetrics/NAME
fed_start_apiserver() {
  local n=$1 port=$2 P=$DIR/pki
  start_bg "$DIR" "kube-apiserver-$n" "$DIR/logs/kube-apiserver-$n.log" env ${FED_GOMAXPROCS:+GOMAXPROCS=$FED_GOMAXPROCS} \
    "$APISERVER_BIN" \
    --etcd-servers="$ETCD_URL" --etcd-prefix="/fedmetrics/$n" \
    --bind-address=127.0.0.1 --secure-port="$port" \
    --advertise-address=127.0.0.1 --endpoint-reconciler-type=none \
    --cert-dir="$DIR/pki/apiserver-generated-$n" \
    --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" \
    --client-ca-file="$P/client-ca.crt" \
    --token-auth-file="$P/tokens.csv" \
    --authorization-mode=RBAC \
    --service-cluster-ip-range=10.0.0.0/24 \
    --service-account-issuer="https://$n.fedmetrics.invalid" \
    --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
    --disable-admission-plugins=ServiceAccount,StorageObjectInUseProtection \
    --requestheader-client-ca-file="$P/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$P/front-proxy-client.crt" --proxy-client-key-file="$P/front-proxy-client.key" \
    --enable-aggregator-routing=false \
    --profiling=false --v=1
}

fed_curl_admin() { curl -sf --max-time 5 --cacert "$DIR/pki/ca.crt" --cert "$DIR/pki/admin.crt" --key "$DIR/pki/admin.key" "$@"; }

# fed_apiservice_yaml NAME(group-version) GROUP VERSION SVC NS PORT GPM VP
fed_apiservice_yaml() {
  cat <<EOF
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: $1
spec:
  group: $2
  version: $3
  service: {name: $4, namespace: $5, port: $6}
  groupPriorityMinimum: $7
  versionPriority: $8
  caBundle: $(base64 -w0 "$DIR/pki/ca.crt")
---
EOF
}

fed_externalname_yaml() { # NAME NS
  cat <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: $2}
---
apiVersion: v1
kind: Service
metadata: {name: $1, namespace: $2}
spec: {type: ExternalName, externalName: localhost}
---
EOF
}

# fed_sum_rss -> "COUNT KB" over every live process in DIR/pids
fed_sum_rss() {
  local n p s tot=0 cnt=0
  while read -r n p s; do
    proc_alive "$p" "$s" || continue
    tot=$((tot + $(rss_kb "$p"))); cnt=$((cnt + 1))
  done <"$DIR/pids"
  echo "$cnt $tot"
}

# fed_sample_deployment_yaml REPLICAS -> the seed's sample-app Deployment. nodeName pins the pods
# to the kwok fake node (no scheduler in the members); the image is never pulled (no kubelet). The
# CPU/memory requests are what Utilization targets divide by (sample_app.py simulates the usage).
fed_sample_deployment_yaml() {
  cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: sample-app
  namespace: default
  labels: {app: sample-app}
spec:
  replicas: $1
  selector: {matchLabels: {app: sample-app}}
  template:
    metadata: {labels: {app: sample-app}}
    spec:
      nodeName: kwok-node-0
      containers:
      - name: metrics-provider
        image: luxas/autoscale-demo:v0.1.2
        ports: [{name: http, containerPort: 8080}]
        resources: {requests: {cpu: 100m, memory: 64Mi}}
---
EOF
}
