// slow-upstream-go: the slow-upstream reference target as the Go-API resilience study's own kind
// of service. GET /api/slow calls a 2-3 s upstream once per request, GET /api/fast does not.
// `naive` lets calls pile up without bound, as a plain net/http handler does (a goroutine per
// request, no timeout); `protected` caps them per user (429) and in all (503 + Retry-After),
// times the upstream out (504) and breaks the circuit (503). No cost model: what piles up is
// goroutines, connections and memory, measured by client_golang as a Go service would export them.
//
// Started by `npm run targets -- slow-upstream-go` (targets/slow-upstream-go.ts builds it, pinned,
// into the floodgate cache); the flags mirror the Node target's.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

type config struct {
	host, mode, userHeader       string
	upstreamListen, upstreamURL  string
	port, graceMs                int
	upstreamMinMs, upstreamMaxMs int
	userLimit, globalLimit       int
	timeoutMs                    int
	breakerFailures, halfOpenMs  int
	pendingKB                    int
	faults                       map[string]bool
	stdinLifeline                bool
}

// The study's countermeasures; naive mode turns each off (0).
var protectedDefaults = map[string]int{"user-limit": 50, "global-limit": 100, "timeout-ms": 30_000, "breaker-failures": 5}

var knownFaults = []string{"canary-errors", "slow-rejections", "breaker-stuck-open", "leak"}

func parseConfig(args []string) (config, error) {
	c := config{faults: map[string]bool{}}
	fs := flag.NewFlagSet("slow-upstream-go", flag.ContinueOnError)
	fs.StringVar(&c.host, "host", "127.0.0.1", "address to listen on (loopback)")
	fs.IntVar(&c.port, "port", 8086, "port (0: any free one)")
	fs.StringVar(&c.mode, "mode", "protected", "protected or naive")
	fs.IntVar(&c.graceMs, "grace-ms", 10_000, "on SIGTERM, how long in-flight calls may finish")
	fs.IntVar(&c.upstreamMinMs, "upstream-min-ms", 2000, "fastest upstream answer")
	fs.IntVar(&c.upstreamMaxMs, "upstream-max-ms", 3000, "slowest upstream answer (uniform in between)")
	limits := map[string]*int{"user-limit": &c.userLimit, "global-limit": &c.globalLimit, "timeout-ms": &c.timeoutMs, "breaker-failures": &c.breakerFailures}
	for name, p := range limits {
		fs.IntVar(p, name, -1, fmt.Sprintf("0 turns it off (default %d in protected, 0 in naive)", protectedDefaults[name]))
	}
	fs.IntVar(&c.halfOpenMs, "breaker-half-open-ms", 5000, "how long the circuit stays open before a trial call")
	fs.IntVar(&c.pendingKB, "pending-kb", 128, "memory each pending upstream call holds")
	fs.StringVar(&c.upstreamListen, "upstream-listen", "127.0.0.1:0", "where the upstream listens (loopback)")
	fs.StringVar(&c.upstreamURL, "upstream-url", "", "where the service calls its upstream (default: the upstream itself; a fault proxy in front of it, say)")
	fs.StringVar(&c.userHeader, "user-header", "X-User-Id", "request header naming the user")
	fs.BoolVar(&c.stdinLifeline, "stdin-lifeline", false, "stop (as on SIGTERM) when stdin closes: the process that started it is gone")
	faults := fs.String("fault", "", "comma-separated defects: "+strings.Join(knownFaults, ", "))
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.mode != "protected" && c.mode != "naive" {
		return c, fmt.Errorf("-mode %q: expected protected or naive", c.mode)
	}
	for name, p := range limits {
		if *p < 0 {
			*p = map[bool]int{true: protectedDefaults[name], false: 0}[c.mode == "protected"]
		}
	}
	for _, f := range strings.Split(*faults, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if !contains(knownFaults, f) {
			return c, fmt.Errorf("-fault %s: expected one of %s", f, strings.Join(knownFaults, ", "))
		}
		c.faults[f] = true
	}
	if c.upstreamMaxMs < c.upstreamMinMs {
		c.upstreamMaxMs = c.upstreamMinMs
	}
	return c, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func main() {
	c, err := parseConfig(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "slow-upstream-go: %v\n", err)
		os.Exit(2)
	}
	up, err := startUpstream(c.upstreamListen, c.upstreamMinMs, c.upstreamMaxMs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "slow-upstream-go: cannot start the upstream: %v\n", err)
		os.Exit(1)
	}
	if c.upstreamURL != "" {
		up.url = strings.TrimRight(c.upstreamURL, "/")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(c.host, fmt.Sprint(c.port)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "slow-upstream-go: cannot listen on %s:%d: %v\n", c.host, c.port, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: newService(c, up).routes(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("floodgate target slow-upstream-go (mode %s; user-limit=%d global-limit=%d timeout-ms=%d breaker-failures=%d faults=%s) listening on http://%s\n",
		c.mode, c.userLimit, c.globalLimit, c.timeoutMs, c.breakerFailures, strings.Join(keys(c.faults), ","), ln.Addr())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	if c.stdinLifeline {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop <- syscall.SIGTERM
		}()
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(c.graceMs)*time.Millisecond)
		defer cancel()
		_ = srv.Shutdown(ctx) // past the grace, the rest is cut: Close below
		_ = srv.Close()
		up.close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(os.Stderr, "slow-upstream-go: %v\n", err)
		os.Exit(1)
	}
	<-drained // Serve returns as Shutdown begins; in-flight calls get their grace first
}

func keys(m map[string]bool) []string {
	out := []string{}
	for _, f := range knownFaults {
		if m[f] {
			out = append(out, f)
		}
	}
	return out
}
