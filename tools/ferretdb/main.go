// Command ferretdb-launcher runs FerretDB v1 embedded with its SQLite handler: a
// MongoDB-wire-compatible server built from the Go module proxy, for machines and CI runs
// that cannot download a real mongod. The hub's test setup and dev launcher build and start
// it (src/db/provision/); nothing in the hub itself depends on it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on; port 0 picks a free port")
	dataDir := flag.String("data-dir", "", "directory for the SQLite files (required)")
	logLevel := flag.String("log-level", "error", "debug, info, warn or error")
	watchStdin := flag.Bool("exit-on-stdin-eof", false, "stop when stdin closes, i.e. when the parent process dies")
	flag.Parse()

	// Profiling the database under a bench: FERRETDB_LAUNCHER_PPROF=127.0.0.1:6060, then
	// `go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=10`.
	if addr := os.Getenv("FERRETDB_LAUNCHER_PPROF"); addr != "" {
		runtime.SetBlockProfileRate(100_000) // one sample per 100 µs blocked
		runtime.SetMutexProfileFraction(10)
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}

	// The collector's pace: FerretDB allocates a few copies of every document it reads or writes,
	// and at Go's default (GOGC=100, a collection each time the heap doubles over a live heap of
	// a few megabytes) a bulk insert spent a quarter of its CPU collecting. Eight times the live
	// heap, within a soft limit of 1 GiB; GOGC and GOMEMLIMIT in the environment still win.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(800)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(1 << 30)
	}

	if *dataDir == "" {
		fail("-data-dir is required")
	}
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		fail(fmt.Sprintf("cannot create data dir: %v", err))
	}

	// Bind the public address first so port 0 yields a port nobody else can take meanwhile.
	public, err := net.Listen("tcp", *listen)
	if err != nil {
		fail(fmt.Sprintf("cannot listen on %s: %v", *listen, err))
	}
	addr := public.Addr().String()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail(fmt.Sprintf("bad -log-level: %v", err))
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// FerretDB listens on a private loopback port; clients reach it through the serializer.
	internal, err := resolveFreeAddr("127.0.0.1:0")
	if err != nil {
		fail(err.Error())
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: internal},
		Logger:   logger,
		Handler:  "sqlite",
		// BEGIN IMMEDIATE for FerretDB's write transactions: a writer takes SQLite's write lock
		// up front and waits its turn (busy timeout) instead of failing with SQLITE_BUSY_SNAPSHOT
		// ("database is locked (517)") when another writer committed between its read and write.
		// The WAL is checkpointed every 10,000 pages (40 MB) rather than SQLite's 1,000: each
		// single-document write is its own transaction, and with the default a bulk update spent
		// a fifth of its time checkpointing (and syncing) the WAL. Statement journals in memory:
		// FerretDB inserts a batch as one statement per document in one transaction, and SQLite
		// copied each page a statement touched again to a temporary file first (a third of the
		// CPU of inserting a selected group's memberships went to those writes).
		SQLiteURL: "file:" + ensureSlash(*dataDir) + "?_txlock=immediate&_pragma=synchronous(normal)&_pragma=wal_autocheckpoint(10000)&_pragma=temp_store(memory)",
		// One transaction per insert of up to 1,000 documents (the hub's bulk writes), not one
		// per 100: a run's first sync wrote its random-key index pages (Entra ids, addresses,
		// users' memberships) to the WAL once per 100 documents. 10k users and 200 selected
		// groups: FerretDB's CPU 2.1-2.4 s -> 1.7-1.8 s.
		InsertBatchSize: 1_000,
	})
	if err != nil {
		fail(err.Error())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *watchStdin {
		go func() {
			// Read until EOF: the parent holds the write end, so EOF means it has gone.
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan struct{})
	go func() {
		f.Run(ctx)
		close(done)
	}()

	if err := waitListening(ctx, internal); err != nil {
		fail(err.Error())
	}
	go (&serializer{backend: internal}).serve(public)
	go func() {
		<-ctx.Done()
		public.Close()
	}()
	// One JSON line on stdout: the parent process reads it to learn where we listen.
	ready, _ := json.Marshal(map[string]string{"event": "listening", "address": addr, "uri": "mongodb://" + addr + "/"})
	fmt.Println(string(ready))

	<-done
}

// resolveFreeAddr picks a free port for FerretDB's private listener, because its embedded API
// neither accepts a listener nor reports the port it bound.
func resolveFreeAddr(listen string) (string, error) {
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return "", fmt.Errorf("cannot find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitListening(ctx context.Context, addr string) error {
	for {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func ensureSlash(dir string) string {
	if len(dir) > 0 && dir[len(dir)-1] != '/' {
		return dir + "/"
	}
	return dir
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "ferretdb-launcher: "+msg)
	os.Exit(1)
}
