// httpsget: one HTTPS GET with Go's crypto/tls and its default roots (the
// system's, as SSL_CERT_FILE and SSL_CERT_DIR make them), for the e2e tests
// of the env stores (tests/e2e/runtime_clients_native.sh). Exit 0 and the
// status on success; exit 1 and Go's error (x509: ...) when refused.
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	resp, err := http.Get(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
}
