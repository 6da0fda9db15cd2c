// httpsget: HTTPS GETs with Go's crypto/tls and its default roots (the
// system's, as SSL_CERT_FILE and SSL_CERT_DIR make them), for the e2e tests
// of the env stores (tests/e2e/runtime_clients_native.sh).
//
//	httpsget URL   one GET: exit 0 and the status, or exit 1 and Go's error
//	httpsget       one GET per URL read from stdin, in one process: a line
//	               "ok <status>" or "refused <error>" for each
package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"strings"
)

func get(url string) (string, error) {
	// a new connection each time: no TLS session is reused
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return resp.Status, nil
}

func main() {
	if len(os.Args) > 1 {
		status, err := get(os.Args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(status)
		return
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		status, err := get(strings.TrimSpace(in.Text()))
		if err != nil {
			fmt.Println("refused", err)
		} else {
			fmt.Println("ok", status)
		}
	}
}
