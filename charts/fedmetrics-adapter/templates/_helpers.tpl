{{/* Common labels of every object. */}}
{{- define "fedmetrics.labels" -}}
app.kubernetes.io/name: fedmetrics-adapter
app.kubernetes.io/instance: {{ .Values.name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The labels that select the pods. */}}
{{- define "fedmetrics.selector" -}}
app.kubernetes.io/name: fedmetrics-adapter
app.kubernetes.io/instance: {{ .Values.name }}
{{- end -}}

{{- define "fedmetrics.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "fedmetrics.kubeconfigSecret" -}}
{{ .Values.karmada.existingSecret | default (printf "%s-karmada-kubeconfig" .Values.name) }}
{{- end -}}

{{- define "fedmetrics.servingSecret" -}}
{{ .Values.tls.existingSecret | default (printf "%s-serving-cert" .Values.name) }}
{{- end -}}

{{/* The caBundle of the APIServices: base64 of tls.ca, or apiServices.caBundle as given. */}}
{{- define "fedmetrics.caBundle" -}}
{{- if .Values.apiServices.caBundle -}}
{{ .Values.apiServices.caBundle }}
{{- else if .Values.tls.ca -}}
{{ .Values.tls.ca | b64enc }}
{{- end -}}
{{- end -}}

{{/* The adapter's identity on the Karmada apiserver (subjects of its RoleBindings). */}}
{{- define "fedmetrics.subjects" -}}
{{- if .Values.rbac.subjects -}}
{{ toYaml .Values.rbac.subjects }}
{{- else -}}
- kind: ServiceAccount
  name: {{ .Values.name }}
  namespace: {{ .Release.Namespace }}
{{- end -}}
{{- end -}}
