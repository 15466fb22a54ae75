// The reverse proxy of the reference deployment (deploy/compose.yaml runs the official image of
// the same version), built from the Go module proxy so test/deploy/proxy.test.ts can run the
// shipped Caddyfile in front of a real hub: nothing is downloaded as a binary.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

func main() {
	caddycmd.Main()
}
