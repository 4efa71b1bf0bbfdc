// Package wshold is a k6 extension (k6/x/floodgate-ws) that holds many WebSockets per VU for
// the ws-hold scenario at a fraction of what k6/websockets costs per connection: one goroutine
// per socket instead of four, no JS object per socket, small pooled buffers. It reports the
// same metrics the script's own code does (ws_established, ws_unexpected_closes, ws_echo_ok,
// ws_echo_rtt, ws_send_lag, and k6's ws_sessions, ws_connecting, ws_ping, ws_msgs_*), so the
// scenario's gates judge it the same way. Selected by ws-hold's ENGINE=xk6 knob; built into
// the floodgate k6 binary by harness/k6-setup.mjs. Stock k6 runs every scenario without it.
package wshold

import (
	"fmt"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/v2/js/common"
	"go.k6.io/k6/v2/js/modules"
	"go.k6.io/k6/v2/metrics"
)

func init() {
	modules.Register("k6/x/floodgate-ws", new(rootModule))
}

type rootModule struct{}

// metricSet is the script's own metrics, looked up in (or added to) k6's registry by the
// names and types lib/k6/ws-sockets.ts declares them with: one metric, whichever engine ran.
type metricSet struct {
	established, unexpected, echoOk, echoRtt, sendLag *metrics.Metric
}

type instance struct {
	vu modules.VU
	m  metricSet
}

func (*rootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	reg := vu.InitEnv().Registry
	return &instance{vu: vu, m: metricSet{
		established: reg.MustNewMetric("ws_established", metrics.Rate),
		unexpected:  reg.MustNewMetric("ws_unexpected_closes", metrics.Counter),
		echoOk:      reg.MustNewMetric("ws_echo_ok", metrics.Rate),
		echoRtt:     reg.MustNewMetric("ws_echo_rtt", metrics.Trend, metrics.Time),
		sendLag:     reg.MustNewMetric("ws_send_lag", metrics.Trend, metrics.Time),
	}}
}

func (i *instance) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{"hold": i.hold}}
}

// hold(plan) holds this VU's sockets of the plan until the close and returns the failed
// handshakes and the connections cut before the close, each as { "<error message>": count }:
// { failures, cuts }, for the script to classify and report.
func (i *instance) hold(v sobek.Value) (map[string]any, error) {
	if i.vu.State() == nil {
		return nil, fmt.Errorf("hold() runs in a VU's iteration, not in the init context")
	}
	rt := i.vu.Runtime()
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		common.Throw(rt, fmt.Errorf("hold(plan) needs a plan object"))
	}
	o := v.ToObject(rt)
	num := func(name string) float64 { return o.Get(name).ToFloat() }
	p := plan{
		url:          o.Get("url").String(),
		connections:  int(num("connections")),
		slots:        int(num("slots")),
		slot:         int(num("slot")),
		ramp:         ms(num("rampMs")),
		hold:         ms(num("holdMs")),
		pingEvery:    ms(num("pingEveryMs")),
		sendEvery:    ms(num("sendEveryMs")),
		sendFrom:     ms(num("sendFromMs")),
		messageBytes: int(num("messageBytes")),
		t0:           time.UnixMilli(int64(num("startTime"))),
	}
	if p.connections < 1 || p.slots < 1 || p.slot < 0 || p.messageBytes < 32 {
		common.Throw(rt, fmt.Errorf("hold(plan): connections, slots and messageBytes (>= 32) must be set, got %+v", p))
	}
	failures, cuts := newHolder(i.vu, i.m, p).run()
	return map[string]any{"failures": byMessage(failures), "cuts": byMessage(cuts)}, nil
}

func byMessage(counts map[string]int) map[string]any {
	out := make(map[string]any, len(counts))
	for msg, n := range counts {
		out[msg] = n
	}
	return out
}

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
