// Command app is suratdesa: a village letter-issuance server with electronic
// signatures and public verification. Run `app help` for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout); err != nil {
		os.Stderr.WriteString("suratdesa: " + err.Error() + "\n")
		os.Exit(1)
	}
}
