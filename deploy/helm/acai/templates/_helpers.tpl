{{/* Names and labels shared by every resource of the chart. */}}

{{- define "acai.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-acai, or the release name alone when it already contains the chart name. */}}
{{- define "acai.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "acai.selectorLabels" -}}
app.kubernetes.io/name: {{ include "acai.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "acai.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "acai.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "acai.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "acai.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "acai.pluginsConfigMapName" -}}
{{- default (printf "%s-plugins" (include "acai.fullname" .)) .Values.existingPluginsConfigMap -}}
{{- end -}}

{{/* True when conversations go to MongoDB, the precondition for more than one replica. */}}
{{- define "acai.hasMongodb" -}}
{{- if or .Values.mongodb.url .Values.mongodb.existingSecret -}}true{{- end -}}
{{- end -}}

{{/* An env entry whose value is either plain (url) or read from a Secret key (existingSecret); nothing when neither is set. */}}
{{- define "acai.urlEnv" -}}
{{- $settings := index . 1 -}}
{{- if $settings.existingSecret -}}
- name: {{ index . 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ $settings.existingSecret }}
      key: {{ $settings.existingSecretKey }}
{{- else if $settings.url -}}
- name: {{ index . 0 }}
  value: {{ $settings.url | quote }}
{{- end -}}
{{- end -}}
