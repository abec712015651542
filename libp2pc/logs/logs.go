// Package logs carries the library's log records to the host: the
// library's own log/slog records and go-libp2p's (go-log, bridged here),
// filtered by a level the host sets, through a bounded queue to one
// delivery goroutine locked to its own OS thread that calls the host's
// sink. Logging never waits for the host: a record that finds the queue
// full is dropped and counted. Without a sink nothing is printed anywhere
// (go-libp2p's default stderr output is replaced).
//
// Logging is process-wide (go-libp2p's loggers are global), so there is
// one Hub: Default.
package logs

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	golog "github.com/ipfs/go-log/v2"
	"github.com/libp2p/go-libp2p/gologshim"
	"go.uber.org/zap/zapcore"
)

// QueueCapacity bounds the records waiting for the sink.
const QueueCapacity = 1024

// Record is one log record as the host receives it.
type Record struct {
	Time    time.Time
	Level   slog.Level
	Logger  string // "libp2pc/<package>" or go-libp2p's subsystem name
	Message string
	Attrs   []Attr
	// Dropped is the total of records dropped so far (queue full), so the
	// host sees a gap where it happened.
	Dropped uint64
}

// Attr is one key/value of a record, the value formatted as text.
type Attr struct{ Key, Value string }

// Sink receives records on the delivery thread.
type Sink func(*Record)

// Hub routes records to the current sink.
type Hub struct {
	level   atomic.Int64 // slog.Level; records below it are not queued
	enabled atomic.Bool  // a sink is set
	queue   chan Record
	dropped atomic.Uint64
	sent    atomic.Uint64

	mu      sync.Mutex // guards sink and the delivery goroutine's start
	sink    Sink
	started bool
}

var (
	defaultHub  *Hub
	defaultOnce sync.Once
)

// Default is the process's hub. The first call also silences go-libp2p's
// stderr logging (its records come here instead).
func Default() *Hub {
	defaultOnce.Do(func() {
		defaultHub = &Hub{queue: make(chan Record, QueueCapacity)}
		defaultHub.level.Store(int64(slog.LevelInfo))
		// go-libp2p logs through gologshim (slog; stderr unless a handler
		// is set before its first record), gossipsub through go-log (zap):
		// both come here.
		gologshim.SetDefaultHandler(&handler{h: defaultHub})
		golog.SetPrimaryCore(zapBridge{h: defaultHub})
		golog.SetAllLoggers(golog.LevelError)
	})
	return defaultHub
}

// SetSink installs sink for records at level and above; a nil sink turns
// delivery off (records are then discarded at the source). Records already
// queued go to the new sink.
func (h *Hub) SetSink(level slog.Level, sink Sink) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sink = sink
	h.level.Store(int64(level))
	h.enabled.Store(sink != nil)
	// go-libp2p's loggers filter before the bridge: open them to the level.
	golog.SetAllLoggers(golog.LogLevel(zapLevel(level)))
	if sink != nil && !h.started {
		h.started = true
		go h.deliver()
	}
}

// Enabled reports whether a record at level would be queued.
func (h *Hub) Enabled(level slog.Level) bool {
	return h.enabled.Load() && int64(level) >= h.level.Load()
}

// Counters: records handed to the sink and records dropped.
func (h *Hub) Counters() (delivered, dropped uint64) { return h.sent.Load(), h.dropped.Load() }

func (h *Hub) push(r Record) {
	select {
	case h.queue <- r:
	default:
		h.dropped.Add(1)
	}
}

// deliver runs for the rest of the process once a sink was set (a thread
// that idles in a channel receive costs nothing).
func (h *Hub) deliver() {
	runtime.LockOSThread()
	for r := range h.queue {
		h.mu.Lock()
		sink := h.sink
		h.mu.Unlock()
		if sink == nil {
			continue
		}
		r.Dropped = h.dropped.Load()
		func() {
			defer func() { _ = recover() }() // a panicking Go sink must not end delivery
			sink(&r)
		}()
		h.sent.Add(1)
	}
}

// Logger is a slog logger of the library's package name (e.g. "node").
func (h *Hub) Logger(name string) *slog.Logger {
	return slog.New(&handler{h: h, logger: "libp2pc/" + name})
}

// Handler is the slog handler under Logger(name), for libraries that take
// a handler (go-ethereum's discv5 logger); name is used as is.
func (h *Hub) Handler(name string) slog.Handler { return &handler{h: h, logger: name} }

// L is Default().Logger(name).
func L(name string) *slog.Logger { return Default().Logger(name) }

// handler is the slog.Handler of the library's loggers.
type handler struct {
	h      *Hub
	logger string
	attrs  []Attr
	group  string
}

func (s *handler) Enabled(_ context.Context, l slog.Level) bool { return s.h.Enabled(l) }

func (s *handler) Handle(_ context.Context, r slog.Record) error {
	rec := Record{Time: r.Time, Level: r.Level, Logger: s.logger, Message: r.Message,
		Attrs: make([]Attr, 0, len(s.attrs)+r.NumAttrs())}
	rec.Attrs = append(rec.Attrs, s.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs = appendAttr(rec.Attrs, s.group, a)
		return true
	})
	s.h.push(rec)
	return nil
}

func appendAttr(out []Attr, prefix string, a slog.Attr) []Attr {
	a.Value = a.Value.Resolve()
	key := a.Key
	if prefix != "" {
		key = prefix + "." + key
	}
	if a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			out = appendAttr(out, key, g)
		}
		return out
	}
	return append(out, Attr{Key: key, Value: a.Value.String()})
}

func (s *handler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *s
	c.attrs = append([]Attr(nil), s.attrs...)
	for _, a := range as {
		if a.Key == "logger" && c.logger == "" && s.group == "" { // gologshim names its subsystem so
			c.logger = a.Value.String()
			continue
		}
		c.attrs = appendAttr(c.attrs, s.group, a)
	}
	return &c
}

func (s *handler) WithGroup(name string) slog.Handler {
	c := *s
	if c.group != "" {
		name = c.group + "." + name
	}
	c.group = name
	return &c
}

// zapBridge is go-log's primary core: go-libp2p's records become Records.
type zapBridge struct {
	h      *Hub
	fields []zapcore.Field
}

func zapLevel(l slog.Level) zapcore.Level {
	switch {
	case l < slog.LevelInfo:
		return zapcore.DebugLevel
	case l < slog.LevelWarn:
		return zapcore.InfoLevel
	case l < slog.LevelError:
		return zapcore.WarnLevel
	}
	return zapcore.ErrorLevel
}

func slogLevel(l zapcore.Level) slog.Level {
	switch {
	case l <= zapcore.DebugLevel:
		return slog.LevelDebug
	case l == zapcore.InfoLevel:
		return slog.LevelInfo
	case l == zapcore.WarnLevel:
		return slog.LevelWarn
	}
	return slog.LevelError
}

func (z zapBridge) Enabled(l zapcore.Level) bool { return z.h.Enabled(slogLevel(l)) }

func (z zapBridge) With(fs []zapcore.Field) zapcore.Core {
	return zapBridge{h: z.h, fields: append(append([]zapcore.Field(nil), z.fields...), fs...)}
}

func (z zapBridge) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if z.Enabled(e.Level) {
		return ce.AddCore(e, z)
	}
	return ce
}

func (z zapBridge) Write(e zapcore.Entry, fs []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range z.fields {
		f.AddTo(enc)
	}
	for _, f := range fs {
		f.AddTo(enc)
	}
	rec := Record{Time: e.Time, Level: slogLevel(e.Level), Logger: e.LoggerName, Message: e.Message}
	for k, v := range enc.Fields {
		rec.Attrs = append(rec.Attrs, Attr{Key: k, Value: fmt.Sprint(v)})
	}
	z.h.push(rec)
	return nil
}

func (zapBridge) Sync() error { return nil }
