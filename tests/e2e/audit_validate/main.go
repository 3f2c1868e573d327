// audit-validate: decodes audit log lines (JSON, one per line, on stdin) strictly into the upstream
// k8s.io/apiserver audit.k8s.io/v1 Event type (unknown or duplicate fields, wrong types and a wrong
// apiVersion/kind are errors) and prints one summary JSON per event on stdout. Exit 1 on the first line
// that does not decode. Built by scripts/peers/build-audit-validate.sh against the Kubernetes helper
// module of scripts/peers (the same k8s.io/apiserver the kube-apiserver peer is built from).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

type summary struct {
	Level      string `json:"level"`
	Stage      string `json:"stage"`
	Verb       string `json:"verb"`
	RequestURI string `json:"requestURI"`
	User       string `json:"user"`
	Code       int32  `json:"code"`
	Resource   string `json:"resource"`
	Annotated  int    `json:"annotations"`
}

func main() {
	scheme := runtime.NewScheme()
	if err := auditv1.AddToScheme(scheme); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	serializer := kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Strict: true})
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	n := 0
	for in.Scan() {
		line := in.Bytes()
		if len(line) == 0 {
			continue
		}
		n++
		obj, gvk, err := serializer.Decode(line, nil, nil)
		if err != nil {
			fmt.Fprintf(os.Stderr, "line %d: %v\n", n, err)
			os.Exit(1)
		}
		event, ok := obj.(*auditv1.Event)
		if !ok || gvk.Kind != "Event" || gvk.GroupVersion() != auditv1.SchemeGroupVersion {
			fmt.Fprintf(os.Stderr, "line %d: decoded %v, not an audit.k8s.io/v1 Event\n", n, gvk)
			os.Exit(1)
		}
		s := summary{Level: string(event.Level), Stage: string(event.Stage), Verb: event.Verb,
			RequestURI: event.RequestURI, User: event.User.Username, Annotated: len(event.Annotations)}
		if event.ResponseStatus != nil {
			s.Code = event.ResponseStatus.Code
		}
		if event.ObjectRef != nil {
			s.Resource = event.ObjectRef.APIGroup + "/" + event.ObjectRef.Resource + "/" + event.ObjectRef.Subresource
		}
		if err := out.Encode(s); err != nil {
			os.Exit(2)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "%d events decoded strictly as audit.k8s.io/v1 Event\n", n)
}
