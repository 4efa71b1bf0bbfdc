package wshold

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"go.k6.io/k6/v2/js/modules"
	"go.k6.io/k6/v2/lib/netext"
	"go.k6.io/k6/v2/metrics"
)

// The same timings lib/k6/ws-sockets.ts keeps (see there for why).
const (
	echoQuiet = 5 * time.Second // sends stop this long (at most) before the close
	echoDrain = time.Second     // the close still waits this long for echoes owed
	// k6/websockets' own handshake timeout.
	handshakeTimeout = 60 * time.Second
	writeWait        = 10 * time.Second
	// How long the close handshakes may take before the connections are dropped.
	closeWait = 10 * time.Second
	// How often the queued samples go to k6 (its own outputs flush every second or so).
	sampleFlush = 100 * time.Millisecond
	// Small buffers: the messages are under 1 KiB. Write buffers are pooled, so an idle socket
	// holds none; k6/websockets keeps 4 KiB each way per socket plus its bufio copies.
	readBufferBytes  = 512
	writeBufferBytes = 2048
)

// Shared by every socket of the process: a buffer is held only while a message is written.
var writePool sync.Pool

type plan struct {
	url                                        string
	connections, slots, slot, messageBytes     int
	ramp, hold, pingEvery, sendEvery, sendFrom time.Duration
	t0                                         time.Time
}

// sock is one connection's state: about 80 bytes besides gorilla's conn and its goroutine.
type sock struct {
	g    int
	conn atomic.Pointer[websocket.Conn]
	// Set when its reader ended: nothing more is written to it.
	done atomic.Bool
	mu   sync.Mutex
	seq  uint32
	// Send time (since holder.base) by sequence number of the echoes owed; nil when none are.
	owed map[uint32]int64
}

type holder struct {
	m       metricSet
	p       plan
	ctx     context.Context
	samples chan<- metrics.SampleContainer
	builtin *metrics.BuiltinMetrics
	meta    map[string]string
	tags    *metrics.TagSet
	// ws_echo_ok's failed samples, tagged by what went wrong (as the script tags them).
	missing, wrong, unexpected *metrics.TagSet
	dialer                     websocket.Dialer
	// Monotonic clock base for message and ping timestamps.
	base    time.Time
	socks   []sock
	closing atomic.Bool
	readers sync.WaitGroup

	failMu   sync.Mutex
	failures map[string]int
	// The read errors that ended connections before the close, by message.
	cuts map[string]int

	// Samples waiting for the next flush (see push).
	queueMu sync.Mutex
	queue   []metrics.Sample
}

func newHolder(vu modules.VU, m metricSet, p plan) *holder {
	state := vu.State()
	tm := state.Tags.GetCurrentValues()
	var tlsConfig *tls.Config
	if state.TLSConfig != nil {
		tlsConfig = state.TLSConfig.Clone()
		tlsConfig.NextProtos = []string{"http/1.1"}
	}
	h := &holder{
		m:       m,
		p:       p,
		ctx:     vu.Context(),
		samples: state.Samples,
		builtin: state.BuiltinMetrics,
		meta:    tm.Metadata,
		tags:    tm.Tags,
		// k6's dialer: --local-ips, hosts, blocked hostnames and IPs, byte counting, as for k6/websockets.
		dialer: websocket.Dialer{
			NetDialContext:   state.Dialer.DialContext,
			Proxy:            http.ProxyFromEnvironment,
			TLSClientConfig:  tlsConfig,
			HandshakeTimeout: handshakeTimeout,
			ReadBufferSize:   readBufferBytes,
			WriteBufferSize:  writeBufferBytes,
			WriteBufferPool:  &writePool,
		},
		base:     time.Now(),
		failures: map[string]int{},
		cuts:     map[string]int{},
	}
	// A VU given a source address (--local-ips) binds every socket to it; let the kernel pick
	// the port at connect() (see bindAddressNoPort). This VU's dialer is this VU's alone, and
	// it dials nothing else while hold() runs.
	if nd, ok := state.Dialer.(*netext.Dialer); ok && nd.LocalAddr != nil && nd.Control == nil && nd.ControlContext == nil {
		nd.Control = bindAddressNoPort
	}
	h.missing = h.tags.With("echo", "missing")
	h.wrong = h.tags.With("echo", "wrong")
	h.unexpected = h.tags.With("echo", "unexpected")
	// Connection g of the test: g = s * slots + slot (as socketsOfSlot in ws-sockets.ts).
	for g := p.slot; g < p.connections; g += p.slots {
		h.socks = append(h.socks, sock{g: g})
	}
	return h
}

// push queues a sample; flush hands the queue to k6 as one container. A socket's reader never
// waits on k6's sample channel: when k6 fell behind on a loaded machine, readers blocked in the
// push did not read the server's pings, and the target cut them for a missed heartbeat.
func (h *holder) push(m *metrics.Metric, tags *metrics.TagSet, v float64) {
	s := metrics.Sample{TimeSeries: metrics.TimeSeries{Metric: m, Tags: tags}, Time: time.Now(), Metadata: h.meta, Value: v}
	h.queueMu.Lock()
	h.queue = append(h.queue, s)
	h.queueMu.Unlock()
}

func (h *holder) flush() {
	h.queueMu.Lock()
	batch := h.queue
	h.queue = nil
	h.queueMu.Unlock()
	if len(batch) > 0 {
		metrics.PushIfNotDone(h.ctx, h.samples, metrics.Samples(batch))
	}
}

// flushEvery flushes the queue every period until stop, then once more.
func (h *holder) flushEvery(period time.Duration, stop <-chan struct{}) {
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			h.flush()
		case <-stop:
			h.flush()
			return
		}
	}
}

// sleepUntil waits for t; false if stop came first.
func sleepUntil(stop <-chan struct{}, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		select {
		case <-stop:
			return false
		default:
			return true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-stop:
		return false
	}
}

// run holds the sockets from their opens over the ramp to the close, and returns the failed
// handshakes and the connections cut, by error message.
func (h *holder) run() (failures, cuts map[string]int) {
	flushed := make(chan struct{})
	stopFlush := make(chan struct{})
	go func() {
		defer close(flushed)
		h.flushEvery(sampleFlush, stopFlush)
	}()
	defer func() {
		close(stopFlush)
		<-flushed
	}()
	// One sample of zero, so the gate reads 0 (not "no samples") when nothing closed early.
	h.push(h.m.unexpected, h.tags, 0)
	closeAt := h.p.t0.Add(h.p.ramp + h.p.hold)
	stop := make(chan struct{})
	go func() {
		select {
		case <-h.ctx.Done():
		case <-time.After(time.Until(closeAt)):
		}
		h.closing.Store(true)
		close(stop)
	}()
	dialCtx, cancelDials := context.WithCancel(h.ctx)
	defer cancelDials()

	var scheduled sync.WaitGroup
	scheduled.Add(1)
	go func() {
		defer scheduled.Done()
		h.openAll(dialCtx, stop)
	}()
	if h.p.pingEvery > 0 {
		scheduled.Add(1)
		go func() {
			defer scheduled.Done()
			h.rota(h.p.pingEvery, h.p.t0, time.Time{}, stop, h.ping)
		}()
	}
	if h.p.sendEvery > 0 {
		quiet := min(echoQuiet, h.p.sendEvery, h.p.hold/4)
		scheduled.Add(1)
		go func() {
			defer scheduled.Done()
			h.rota(h.p.sendEvery, h.p.t0.Add(h.p.sendFrom), closeAt.Add(-quiet), stop, h.send)
		}()
	}
	<-stop
	scheduled.Wait()
	h.drain(time.Now().Add(echoDrain))
	for i := range h.socks {
		h.sendClose(&h.socks[i])
	}
	ended := make(chan struct{})
	go func() {
		h.readers.Wait()
		close(ended)
	}()
	select {
	case <-ended:
	case <-time.After(closeWait):
		// Close handshakes not answered, or handshakes still under way: drop them.
		cancelDials()
		for i := range h.socks {
			if c := h.socks[i].conn.Load(); c != nil {
				_ = c.Close()
			}
		}
		<-ended
	}
	return h.failures, h.cuts
}

// openAll opens this VU's sockets in order over the ramp: connection g at g / connections of it.
func (h *holder) openAll(ctx context.Context, stop <-chan struct{}) {
	for i := range h.socks {
		s := &h.socks[i]
		at := h.p.t0.Add(time.Duration(float64(s.g) / float64(h.p.connections) * float64(h.p.ramp)))
		if !sleepUntil(stop, at) {
			return
		}
		h.readers.Add(1)
		go h.serve(ctx, s)
	}
}

// rota calls fire for each socket at from + phase + k * period (k = 0, 1, ...) until stop, or
// until the first due time at or after until (when set). Sockets sorted by phase come due in
// that order every period; a schedule that falls behind catches up, and fire measures lateness.
func (h *holder) rota(period time.Duration, from, until time.Time, stop <-chan struct{}, fire func(*sock, time.Time)) {
	if len(h.socks) == 0 {
		return
	}
	periodMs := max(1, period.Milliseconds())
	type item struct {
		s     *sock
		phase time.Duration
	}
	order := make([]item, len(h.socks))
	for i := range h.socks {
		// phaseOf in ws-sockets.ts: spread evenly, so the total rate is smooth, not bursts.
		order[i] = item{&h.socks[i], time.Duration(int64(h.socks[i].g)*7919%periodMs) * time.Millisecond}
	}
	sort.SliceStable(order, func(a, b int) bool { return order[a].phase < order[b].phase })
	base := from
	for i := 0; ; {
		due := base.Add(order[i].phase)
		if !until.IsZero() && !due.Before(until) {
			return
		}
		if !sleepUntil(stop, due) {
			return
		}
		fire(order[i].s, due)
		if i++; i == len(order) {
			i = 0
			base = base.Add(period)
		}
	}
}

// live is the socket's connection while it is open, else nil.
func live(s *sock) *websocket.Conn {
	if s.done.Load() {
		return nil
	}
	return s.conn.Load()
}

func (h *holder) ping(s *sock, _ time.Time) {
	c := live(s)
	if c == nil {
		return
	}
	// The pong carries the ping's send time back: ws_ping with no map of pings in flight.
	var stamp [8]byte
	binary.BigEndian.PutUint64(stamp[:], uint64(time.Since(h.base)))
	_ = c.WriteControl(websocket.PingMessage, stamp[:], time.Now().Add(writeWait))
}

// message builds the bytes of echo seq sent at sent: "<seq> <ms with µs digits> " and padding.
func (h *holder) message(seq uint32, sent int64) []byte {
	b := make([]byte, 0, h.p.messageBytes)
	b = strconv.AppendUint(b, uint64(seq), 10)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, float64(sent)/1e6, 'f', 3, 64)
	b = append(b, ' ')
	for len(b) < h.p.messageBytes {
		b = append(b, 'x')
	}
	return b
}

func (h *holder) send(s *sock, due time.Time) {
	c := live(s)
	if c == nil || h.closing.Load() {
		return
	}
	h.push(h.m.sendLag, h.tags, max(0, metrics.D(time.Since(due))))
	sent := int64(time.Since(h.base))
	s.mu.Lock()
	seq := s.seq
	s.seq++
	if s.owed == nil {
		s.owed = make(map[uint32]int64, 1)
	}
	s.owed[seq] = sent
	s.mu.Unlock()
	// One goroutine writes messages for all of a VU's sockets: gorilla allows one writer at a
	// time per connection, and WriteControl (pings, close) may run beside it.
	_ = c.SetWriteDeadline(time.Now().Add(writeWait))
	if c.WriteMessage(websocket.TextMessage, h.message(seq, sent)) == nil {
		h.push(h.builtin.WSMessagesSent, h.tags, 1)
	}
}

// echo checks one message against the one sent with its sequence number.
func (h *holder) echo(s *sock, data []byte) {
	space := bytes.IndexByte(data, ' ')
	if space < 0 {
		h.push(h.m.echoOk, h.unexpected, 0)
		return
	}
	seq, err := strconv.ParseUint(string(data[:space]), 10, 32)
	s.mu.Lock()
	sent, ok := s.owed[uint32(seq)]
	if ok {
		delete(s.owed, uint32(seq))
		if len(s.owed) == 0 {
			s.owed = nil
		}
	}
	s.mu.Unlock()
	if err != nil || !ok {
		h.push(h.m.echoOk, h.unexpected, 0)
		return
	}
	if bytes.Equal(data, h.message(uint32(seq), sent)) {
		h.push(h.m.echoOk, h.tags, 1)
	} else {
		h.push(h.m.echoOk, h.wrong, 0)
	}
	h.push(h.m.echoRtt, h.tags, metrics.D(time.Since(h.base)-time.Duration(sent)))
}

// serve dials one socket and reads from it until it ends: its only goroutine.
func (h *holder) serve(ctx context.Context, s *sock) {
	defer h.readers.Done()
	start := time.Now()
	conn, resp, err := h.dialer.DialContext(ctx, h.p.url, nil)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	h.push(h.builtin.WSSessions, h.tags, 1)
	h.push(h.builtin.WSConnecting, h.tags, metrics.D(time.Since(start)))
	if err != nil {
		s.done.Store(true)
		h.push(h.m.established, h.tags, 0)
		// The message as k6/websockets gives it, for the script's classify(): the dial error,
		// or the HTTP status of a refused upgrade.
		msg := err.Error()
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			msg = "websocket: bad handshake (HTTP " + strconv.Itoa(resp.StatusCode) + ")"
		}
		h.failMu.Lock()
		h.failures[msg]++
		h.failMu.Unlock()
		return
	}
	h.push(h.m.established, h.tags, 1)
	conn.SetPongHandler(func(data string) error {
		if len(data) == 8 {
			sent := time.Duration(binary.BigEndian.Uint64([]byte(data)))
			h.push(h.builtin.WSPing, h.tags, metrics.D(time.Since(h.base)-sent))
		}
		return nil
	})
	s.conn.Store(conn)
	if h.closing.Load() {
		// The test ended while this handshake was under way.
		h.sendClose(s)
	}
	var readErr error
	for {
		var data []byte
		if _, data, readErr = conn.ReadMessage(); readErr != nil {
			break
		}
		h.push(h.builtin.WSMessagesReceived, h.tags, 1)
		h.echo(s, data)
	}
	s.done.Store(true)
	if !h.closing.Load() {
		// Ended before the test closed it: the server or the network cut it. How, for the script to say.
		h.push(h.m.unexpected, h.tags, 1)
		h.failMu.Lock()
		h.cuts[readErr.Error()]++
		h.failMu.Unlock()
	}
	s.mu.Lock()
	missing := len(s.owed)
	s.owed = nil
	s.mu.Unlock()
	for range missing {
		h.push(h.m.echoOk, h.missing, 0)
	}
	h.push(h.builtin.WSSessionDuration, h.tags, metrics.D(time.Since(start)))
	_ = conn.Close()
}

// drain waits (until deadline) for the echoes still owed on open sockets.
func (h *holder) drain(deadline time.Time) {
	for time.Now().Before(deadline) && h.ctx.Err() == nil {
		owing := false
		for i := range h.socks {
			s := &h.socks[i]
			s.mu.Lock()
			n := len(s.owed)
			s.mu.Unlock()
			if n > 0 && !s.done.Load() {
				owing = true
				break
			}
		}
		if !owing {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (h *holder) sendClose(s *sock) {
	if c := live(s); c != nil {
		err := c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "test over"), time.Now().Add(writeWait))
		if err != nil && !errors.Is(err, websocket.ErrCloseSent) {
			// The close frame could not be written: drop the connection, the reader ends.
			_ = c.Close()
		}
	}
}
