// Package metrics holds suratdesa's Prometheus metrics: one registry per
// process, counters and histograms the web layer and the issuance service
// update, and collectors that read the database pool, the notification
// backlog and the public check's database reads when /metrics is scraped.
// Every method is safe on a nil *Metrics, which records nothing, so
// services built without metrics (the CLI, tests) need no checks.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/suratdesa/suratdesa/app/internal/store"
)

// Metrics is the process's registry and the metrics it updates.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests   *prometheus.CounterVec
	httpDuration   *prometheus.HistogramVec
	lettersSigned  prometheus.Counter
	signDuration   prometheus.Histogram
	renderDuration prometheus.Histogram
	verifyLookups  *prometheus.CounterVec
}

// Source is what the scrape-time collectors read: the database pool, the
// notification backlog and the public lookups' reads. *store.Store is one.
type Source interface {
	PoolStats() sql.DBStats
	NotificationBacklog(ctx context.Context) (store.Backlog, error)
	TxRetries() int64
	PublicReads() store.PublicReads
}

// New registers every metric, the Go runtime and process collectors, and
// collectors reading src at scrape time (src may be nil).
func New(src Source) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "suratdesa_http_requests_total",
			Help: "HTTP requests by route template, method and status code.",
		}, []string{"route", "method", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "suratdesa_http_request_duration_seconds",
			Help:    "HTTP request latency by route template and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		lettersSigned: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "suratdesa_letters_signed_total",
			Help: "Letters numbered, signed and committed by this process.",
		}),
		signDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "suratdesa_sign_duration_seconds",
			Help:    "Time to render, sign (PAdES) and self-verify one letter.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		renderDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "suratdesa_render_duration_seconds",
			Help:    "Time to render one letter PDF (final or draft).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		verifyLookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "suratdesa_verify_lookups_total",
			Help: "Public verification lookups by channel (page, api) and result (found, not_found, error).",
		}, []string{"channel", "result"}),
	}
	reg.MustRegister(m.httpRequests, m.httpDuration, m.lettersSigned, m.signDuration, m.renderDuration,
		m.verifyLookups, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if src != nil {
		reg.MustRegister(&sourceCollector{src: src})
	}
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// ObserveHTTP counts one request to route (the template, e.g. /v/:code)
// with its status and duration.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(route, method).Observe(d.Seconds())
}

// LettersSigned counts n letters committed as signed.
func (m *Metrics) LettersSigned(n int) {
	if m == nil {
		return
	}
	m.lettersSigned.Add(float64(n))
}

// ObserveSign records how long one letter took to render and sign.
func (m *Metrics) ObserveSign(d time.Duration) {
	if m == nil {
		return
	}
	m.signDuration.Observe(d.Seconds())
}

// ObserveRender records how long one PDF took to render.
func (m *Metrics) ObserveRender(d time.Duration) {
	if m == nil {
		return
	}
	m.renderDuration.Observe(d.Seconds())
}

// VerifyLookup counts one public lookup on channel ("page" or "api") by
// the HTTP status it answered.
func (m *Metrics) VerifyLookup(channel string, status int) {
	if m == nil {
		return
	}
	result := "error"
	switch {
	case status < 400:
		result = "found"
	case status == http.StatusNotFound:
		result = "not_found"
	}
	m.verifyLookups.WithLabelValues(channel, result).Inc()
}

// sourceCollector reads the pool and the backlog at every scrape.
type sourceCollector struct{ src Source }

var (
	poolOpen = prometheus.NewDesc("suratdesa_db_connections_open",
		"Open database connections of this process.", nil, nil)
	poolInUse = prometheus.NewDesc("suratdesa_db_connections_in_use",
		"Database connections in use.", nil, nil)
	poolIdle = prometheus.NewDesc("suratdesa_db_connections_idle",
		"Idle database connections.", nil, nil)
	poolMax = prometheus.NewDesc("suratdesa_db_connections_max_open",
		"The pool's limit of open connections (APP_DB_MAX_OPEN).", nil, nil)
	poolWaits = prometheus.NewDesc("suratdesa_db_connection_waits_total",
		"Times a request waited for a free database connection.", nil, nil)
	poolWaited = prometheus.NewDesc("suratdesa_db_connection_wait_seconds_total",
		"Total time waited for free database connections.", nil, nil)
	txRetries = prometheus.NewDesc("suratdesa_db_transaction_retries_total",
		"Transactions run again after a deadlock, lock wait timeout or Galera certification conflict.", nil, nil)
	publicCodes = prometheus.NewDesc("suratdesa_verify_db_codes_total",
		"Verification codes the public check read from the database: the scans this replica's letter cache did not answer.", nil, nil)
	publicQueries = prometheus.NewDesc("suratdesa_verify_db_queries_total",
		"Database queries of the public check; on MySQL one query reads the codes of a batch of scans.", nil, nil)
	backlog = prometheus.NewDesc("suratdesa_notification_backlog",
		"Notification outbox backlog by state (events not yet fanned out, pending, failed).", []string{"state"}, nil)
	backlogAge = prometheus.NewDesc("suratdesa_notification_oldest_pending_seconds",
		"Age of the oldest pending notification; 0 when none is pending.", nil, nil)
)

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolOpen, poolInUse, poolIdle, poolMax, poolWaits, poolWaited, txRetries,
		publicCodes, publicQueries, backlog, backlogAge} {
		ch <- d
	}
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.PoolStats()
	ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(s.OpenConnections))
	ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(s.InUse))
	ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(s.Idle))
	ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxOpenConnections))
	ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(poolWaited, prometheus.CounterValue, s.WaitDuration.Seconds())
	ch <- prometheus.MustNewConstMetric(txRetries, prometheus.CounterValue, float64(c.src.TxRetries()))
	r := c.src.PublicReads()
	ch <- prometheus.MustNewConstMetric(publicCodes, prometheus.CounterValue, float64(r.Codes))
	ch <- prometheus.MustNewConstMetric(publicQueries, prometheus.CounterValue, float64(r.Queries))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	b, err := c.src.NotificationBacklog(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(backlog, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(backlog, prometheus.GaugeValue, float64(b.Events), "events")
	ch <- prometheus.MustNewConstMetric(backlog, prometheus.GaugeValue, float64(b.Pending), "pending")
	ch <- prometheus.MustNewConstMetric(backlog, prometheus.GaugeValue, float64(b.Failed), "failed")
	age := 0.0
	if !b.OldestPending.IsZero() {
		age = time.Since(b.OldestPending).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(backlogAge, prometheus.GaugeValue, age)
}
