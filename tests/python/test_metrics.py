#!/usr/bin/env python3
"""edgereport's /metrics (metrics-port), read by the real Prometheus.

One scene runs for the whole file: several cameras on one box, each
branch a videotestsrc through one or more edgeclassify (one branch
classifies two regions of each frame) to an edgereport, two of which
serve /metrics, and one of which loses records (an MQTT broker that is not
there, max-queue=1). It reaches end of stream and stays PLAYING, so every
counter is frozen. A Prometheus server (PROMETHEUS, its configuration and
storage in a temporary folder, its own loopback port) scrapes /metrics
every second; the test reads the series back through Prometheus' HTTP API
and checks them against each element's "stats" and "dropped" properties
and the lines of each results file. promtool (PROMTOOL) checks the
Prometheus text format; Prometheus itself parses the OpenMetrics one it
asks for.

Then the rules: a port in use (by another program, or by another
edgereport of the process), an address of no interface of this machine,
a port out of range and an address that is no address each fail the
start with an error naming them, leave the pipeline in READY, create
nothing, stop no other server; a stop frees the port.

Needs the plugin on GST_PLUGIN_PATH (set by meson test)."""
import ctypes
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import gi

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from freeport import free_port  # noqa: E402

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

Gst.init(None)

PROMETHEUS = os.environ.get("PROMETHEUS", "prometheus")
PROMTOOL = os.environ.get("PROMTOOL", "promtool")
N_FRAMES = 12
CAPS = "video/x-raw,format=GRAY8,width=64,height=48"
# The Accept header of Prometheus 2.42's scrapes
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,"
                     "application/openmetrics-text;version=0.0.1;q=0.75,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
TEXT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OPENMETRICS_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"
SERVER_THREAD = "edgereport-http"


def fetch(port, path="/metrics", accept=None, method="GET",
          host="127.0.0.1"):
    """(status, Content-Type, body) of one request"""
    req = urllib.request.Request("http://%s:%d%s" % (host, port, path),
                                 method=method)
    if accept is not None:
        req.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.headers["Content-Type"], r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], ""


LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?')


def unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n"
                  else m.group(1), v)


def parse(text):
    """(families, samples): {name: [type, help]} in order of appearance
    (a name met twice raises), and [(name, {label: value}, value)]"""
    families, samples = {}, []
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            _, kind, name, rest = line.split(" ", 3)
            entry = families.setdefault(name, [None, None])
            index = 0 if kind == "TYPE" else 1
            if entry[index] is not None:
                raise AssertionError("%s of %s twice" % (kind, name))
            entry[index] = rest
        elif line == "# EOF":
            continue
        else:
            m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$",
                         line)
            if m is None:
                raise AssertionError("not a sample: %r" % line)
            labels, inner, pos = {}, m.group(3) or "", 0
            while pos < len(inner):
                lm = LABEL.match(inner, pos)
                if lm is None:
                    raise AssertionError("bad labels: %r" % line)
                labels[lm.group(1)] = unescape(lm.group(2))
                pos = lm.end()
            samples.append((m.group(1), labels, float(m.group(4))))
    return families, samples


def server_threads():
    """How many metrics server threads this process has"""
    n = 0
    for task in os.listdir("/proc/self/task"):
        with open("/proc/self/task/%s/comm" % task) as f:
            n += f.read().strip() == SERVER_THREAD
    return n


def die_with_parent():
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Prometheus:
    """A Prometheus server scraping @target every second"""

    def __init__(self, folder, target):
        self.port = free_port()
        self.folder = folder
        config = os.path.join(folder, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n"
                    "  scrape_interval: 1s\n"
                    "  scrape_timeout: 1s\n"
                    "scrape_configs:\n"
                    "  - job_name: edgeclassify\n"
                    "    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % target)
        self.log = open(os.path.join(folder, "prometheus.log"), "w")
        self.proc = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + config,
             "--storage.tsdb.path=" + os.path.join(folder, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port,
             "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent)

    def alive(self):
        if self.proc.poll() is not None:
            with open(self.log.name) as f:
                raise AssertionError("prometheus exited %d: %s"
                                     % (self.proc.returncode, f.read()))

    def wait_ready(self):
        while True:
            self.alive()
            try:
                if fetch(self.port, "/-/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)

    def api(self, path, **params):
        url = "/api/v1/%s?%s" % (path, urllib.parse.urlencode(params))
        status, _, body = fetch(self.port, url)
        answer = json.loads(body)
        if status != 200 or answer["status"] != "success":
            raise AssertionError("%s: %s" % (url, body))
        return answer["data"]

    def query(self, promql):
        """{frozenset(labels): value} of an instant query"""
        data = self.api("query", query=promql)
        return {frozenset(r["metric"].items()): float(r["value"][1])
                for r in data["result"]}

    def value(self, promql):
        """The value of a query that must answer one series"""
        result = self.query(promql)
        if len(result) != 1:
            raise AssertionError("%s: %r" % (promql, result))
        return next(iter(result.values()))

    def wait_scrape_after(self, t):
        """Until a scrape started after @t (Unix time) has been stored;
        fails if that scrape failed"""
        while True:
            self.alive()
            when = self.query('timestamp(up{job="edgeclassify"})')
            if when and next(iter(when.values())) > t:
                break
            time.sleep(0.1)
        if self.value('up{job="edgeclassify"}') != 1:
            target = self.api("targets")["activeTargets"][0]
            raise AssertionError("scrape failed: %s" % target["lastError"])

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()


def run_to_eos(pipe):
    msg = pipe.get_bus().timed_pop_filtered(
        Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    if msg.type == Gst.MessageType.ERROR:
        raise AssertionError("error: %s (%s)" % msg.parse_error())


def start_error(description):
    """Starts @description, which must fail: (the pipeline, the error,
    the debug string), the pipeline still in READY"""
    pipe = Gst.parse_launch(description)
    ret = pipe.set_state(Gst.State.PLAYING)
    msg = pipe.get_bus().pop_filtered(Gst.MessageType.ERROR)
    assert msg is not None, "no error: " + description
    err, debug = msg.parse_error()
    return pipe, ret, err, debug


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(
            prefix="edgereport-metrics-",
            dir=os.environ.get("EDGE_TEST_OUTPUT_DIR"))
        cls.port, cls.port2 = free_port(), free_port()
        # Prometheus starts while the scene runs
        cls.prometheus = Prometheus(cls.folder, cls.port)
        cls.files = {name: os.path.join(cls.folder, name + ".jsonl")
                     for name in ("door", "yard")}
        src = ("videotestsrc num-buffers=%d pattern=%%s ! %s ! "
               % (N_FRAMES, CAPS))
        cls.regions = {"door": 1, "yard": 1, "gate": 1, "left": 1,
                       "right": 1, "both": 2}
        cls.pipe = Gst.parse_launch(
            src % "ball" + "edgeclassify name=door mode=sync ! "
            "edgereport name=report-door location=%s metrics-port=%d ! "
            "fakesink " % (cls.files["door"], cls.port) +
            src % "snow" + "edgeclassify name=yard mode=sync ! "
            "edgereport name=report-yard location=%s metrics-port=%d ! "
            "fakesink " % (cls.files["yard"], cls.port2) +
            # two regions of each frame, then both classified again
            src % "smpte" + "edgeclassify name=left mode=sync "
            "roi=\"<0,0,32,24>\" ! edgeclassify name=right mode=sync "
            "roi=\"<32,24,32,24>\" ! edgeclassify name=both mode=sync "
            "inference-region=roi-list ! fakesink " +
            # a broker that is not there: every record is lost
            src % "gamut" + "edgeclassify name=gate mode=sync ! "
            "edgereport name=report-gate mqtt-host=127.0.0.1 "
            "mqtt-port=%d max-queue=1 ! fakesink" % free_port())
        cls.pipe.set_state(Gst.State.PLAYING)
        run_to_eos(cls.pipe)
        cls.eos_time = time.time()
        # the frozen numbers
        cls.stats = {name: cls.pipe.get_by_name(name).get_property("stats")
                     for name in cls.regions}
        cls.dropped = {
            name: cls.pipe.get_by_name(name).get_property("dropped")
            for name in ("report-door", "report-yard", "report-gate")}

    @classmethod
    def tearDownClass(cls):
        cls.prometheus.stop()
        cls.pipe.set_state(Gst.State.NULL)
        shutil.rmtree(cls.folder)

    def stat(self, element, field):
        return self.stats[element].get_value(field)

    # --- the scene, through Prometheus ---

    def test_prometheus_scrapes_the_frozen_counters(self):
        prom = self.prometheus
        prom.wait_ready()
        prom.wait_scrape_after(self.eos_time)

        for name, regions in self.regions.items():
            sel = '{element="%s"}' % name
            fresh = self.stat(name, "fresh-results")
            self.assertGreater(fresh, 0, name)
            self.assertEqual(prom.value("edgeclassify_frames_total" + sel),
                             self.stat(name, "frames-in"), name)
            self.assertEqual(self.stat(name, "frames-in"), N_FRAMES)
            self.assertEqual(
                prom.value("edgeclassify_fresh_results_total" + sel), fresh)
            self.assertEqual(
                prom.value("edgeclassify_requests_replaced_total" + sel),
                self.stat(name, "requests-replaced"))
            for h in ("inference_seconds", "queue_wait_seconds"):
                self.assertEqual(
                    prom.value("edgeclassify_%s_count%s" % (h, sel)), fresh)
                self.assertEqual(prom.value(
                    'edgeclassify_%s_bucket{element="%s",le="+Inf"}'
                    % (h, name)), fresh)
            # one decision per region of each fresh result
            self.assertEqual(prom.value(
                "sum(edgeclassify_decisions_total%s)" % sel),
                fresh * regions, name)
            # the bucket bounds read as written
            self.assertEqual(len(prom.query(
                'edgeclassify_inference_seconds_bucket{element="%s",'
                'le="0.1"}' % name)), 1)
            # the stream label is the stream id
            labels = dict(next(iter(prom.query(
                "edgeclassify_frames_total" + sel))))
            self.assertEqual(labels["stream"],
                             self.stat(name, "stream-id"))

        for name in ("door", "yard"):
            sel = '{element="report-%s",output="file"}' % name
            with open(self.files[name]) as f:
                lines = len(f.read().splitlines())
            self.assertEqual(lines, N_FRAMES)
            self.assertEqual(
                prom.value("edgereport_records_written_total" + sel), lines)
            self.assertEqual(
                prom.value("edgereport_records_dropped_total" + sel), 0)
            self.assertEqual(
                prom.value("edgereport_records_pending" + sel), 0)
            self.assertEqual(prom.query(
                "edgereport_records_dropped_by_reason_total" + sel), {})

        # every record of the gate is lost, each for a reason
        sel = '{element="report-gate",output="MQTT"}'
        self.assertEqual(self.dropped["report-gate"], N_FRAMES)
        self.assertEqual(
            prom.value("edgereport_records_dropped_total" + sel), N_FRAMES)
        self.assertEqual(
            prom.value("edgereport_records_written_total" + sel), 0)
        by_reason = prom.query(
            "edgereport_records_dropped_by_reason_total" + sel)
        reasons = {dict(k)["reason"]: v for k, v in by_reason.items()}
        self.assertEqual(sum(reasons.values()), N_FRAMES)
        self.assertEqual(reasons, {
            "the queue of 1 results waiting for the MQTT broker was full "
            "(max-queue)": N_FRAMES - 1,
            "not delivered to the MQTT broker by the end of the stream": 1})

        # Prometheus read every sample of the exposition it asked for
        _, _, body = fetch(self.port, accept=PROMETHEUS_ACCEPT)
        self.assertEqual(
            prom.value('scrape_samples_scraped{job="edgeclassify"}'),
            len(parse(body)[1]))

    # --- the exposition itself ---

    def test_promtool_accepts_the_text_format(self):
        status, ctype, body = fetch(self.port)
        self.assertEqual(status, 200)
        self.assertEqual(ctype, TEXT_TYPE)
        out = subprocess.run([PROMTOOL, "check", "metrics"], input=body,
                             capture_output=True, text=True)
        self.assertEqual((out.returncode, out.stdout, out.stderr),
                         (0, "", ""))
        families, samples = parse(body)
        self.assertNotIn("# EOF", body)
        # each family once, with HELP and TYPE, whatever the instances
        for name, (kind, help_text) in families.items():
            self.assertIsNotNone(kind, name)
            self.assertIsNotNone(help_text, name)
        self.assertEqual(families["edgeclassify_frames_total"][0], "counter")
        self.assertEqual(
            families["edgeclassify_inference_seconds"][0], "histogram")
        self.assertEqual(families["edgereport_records_pending"][0], "gauge")
        # every sample belongs to the family before it
        for name, labels, _ in samples:
            family = re.sub(r"_(bucket|count|sum)$", "", name)
            self.assertTrue(name in families or family in families, name)
        self.assertEqual(
            sorted(s[1]["element"] for s in samples
                   if s[0] == "edgeclassify_frames_total"),
            sorted(self.regions))

    def test_every_server_serves_the_whole_process(self):
        _, _, one = fetch(self.port)
        _, _, two = fetch(self.port2)
        self.assertEqual(sorted(parse(one)[1], key=repr),
                         sorted(parse(two)[1], key=repr))
        self.assertEqual(server_threads(), 2)

    def test_content_negotiation(self):
        _, _, text = fetch(self.port)
        om_cases = [PROMETHEUS_ACCEPT, "application/openmetrics-text",
                    "text/plain;q=0.5, application/openmetrics-text",
                    "application/openmetrics-text; version=1.0.0; q=0.9, "
                    "text/plain; q=0.8"]
        text_cases = [None, "*/*", "text/plain", "text/plain;version=0.0.4",
                      "application/openmetrics-text;q=0.3, text/plain",
                      # same quality: the one named first
                      "text/plain, application/openmetrics-text",
                      # versions we do not write, or formats we have not
                      "application/openmetrics-text;version=2.0.0",
                      "text/plain;version=9.9.9", "application/json",
                      "application/openmetrics-text;q=0"]
        for accept in om_cases + text_cases:
            status, ctype, body = fetch(self.port, accept=accept)
            self.assertEqual(status, 200)
            if accept in om_cases:
                self.assertEqual(ctype, OPENMETRICS_TYPE, accept)
                self.assertTrue(body.endswith("\n# EOF\n"), accept)
                self.assertEqual(body.count("# EOF"), 1)
            else:
                self.assertEqual(ctype, TEXT_TYPE, accept)
                self.assertEqual(body, text)

        # the same samples; OpenMetrics names a counter without _total
        _, _, om = fetch(self.port, accept="application/openmetrics-text")
        om_families, om_samples = parse(om)
        text_families, text_samples = parse(text)
        self.assertEqual(sorted(om_samples, key=repr),
                         sorted(text_samples, key=repr))
        self.assertEqual(om_families["edgeclassify_frames"][0], "counter")
        self.assertNotIn("edgeclassify_frames_total", om_families)
        self.assertEqual(
            {n[:-len("_total")] if n.endswith("_total") else n: v
             for n, v in text_families.items()}, om_families)

    def test_one_request_a_connection(self):
        """The server closes each connection after its response, and says
        so first: a client does not reuse it"""
        conn = http.client.HTTPConnection("127.0.0.1", self.port)
        try:
            conn.request("GET", "/metrics")
            response = conn.getresponse()
            response.read()
            self.assertEqual(response.status, 200)
            self.assertEqual(response.getheader("Connection"), "close")
            # http.client opens a new connection for the next request
            conn.request("GET", "/metrics")
            self.assertEqual(conn.getresponse().status, 200)
        finally:
            conn.close()

    def test_no_descriptor_kept(self):
        before = len(os.listdir("/proc/self/fd"))
        for _ in range(50):
            self.assertEqual(fetch(self.port)[0], 200)
        # the last connections may still be closing
        self.assertLessEqual(len(os.listdir("/proc/self/fd")), before + 2)

    def test_other_requests(self):
        status, _, body = fetch(self.port, method="HEAD")
        self.assertEqual((status, body), (200, ""))
        self.assertEqual(fetch(self.port, method="POST")[0], 405)
        self.assertEqual(fetch(self.port, path="/")[0], 404)
        self.assertEqual(fetch(self.port, path="/metrics/x")[0], 404)

    def test_numbers_written_shortest(self):
        _, _, text = fetch(self.port)
        les = {s[1]["le"] for s in parse(text)[1] if "le" in s[1]}
        self.assertEqual(les, {"0.0005", "0.001", "0.0025", "0.005", "0.01",
                               "0.025", "0.05", "0.1", "0.25", "0.5", "1.0",
                               "2.5", "5.0", "10.0", "+Inf"})
        for name, labels, value in parse(text)[1]:
            self.assertTrue(math.isfinite(value), name)


class MetricsRulesTest(unittest.TestCase):
    """Settings the server cannot have fail the start, and only it"""

    def setUp(self):
        self.folder = tempfile.mkdtemp(
            prefix="edgereport-metrics-",
            dir=os.environ.get("EDGE_TEST_OUTPUT_DIR"))
        self.results = os.path.join(self.folder, "results.jsonl")
        self.threads = server_threads()

    def tearDown(self):
        shutil.rmtree(self.folder)

    def fails(self, props, code, message):
        """Starts an edgereport with @props, writing to a file: the start
        must fail with RESOURCE/@code and @message, before the file is
        created, and leave the pipeline in READY with no server thread
        more"""
        threads = server_threads()
        pipe, ret, err, debug = start_error(
            "videotestsrc num-buffers=3 ! edgereport name=r location=%s "
            "%s ! fakesink" % (self.results, props))
        try:
            self.assertEqual(ret, Gst.StateChangeReturn.FAILURE)
            self.assertTrue(err.matches(Gst.ResourceError.quark(), code),
                            (err.domain, err.code, err.message))
            self.assertEqual(err.message, message)
            self.assertEqual(
                pipe.get_by_name("r").get_state(0)[1], Gst.State.READY)
            self.assertFalse(os.path.exists(self.results))
            self.assertEqual(server_threads(), threads)
            return debug
        finally:
            self.assertEqual(pipe.set_state(Gst.State.NULL),
                             Gst.StateChangeReturn.SUCCESS)

    def test_port_in_use_by_another_program(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            debug = self.fails(
                "metrics-port=%d" % port, Gst.ResourceError.BUSY,
                "Could not serve metrics on 127.0.0.1:%d: the port is in "
                "use." % port)
            self.assertIn("Address already in use", debug)

    def test_port_in_use_by_another_edgereport(self):
        port = free_port()
        first = Gst.parse_launch(
            "videotestsrc is-live=true ! edgereport name=first "
            "metrics-port=%d ! fakesink" % port)
        first.set_state(Gst.State.PLAYING)
        try:
            self.assertEqual(first.get_state(Gst.CLOCK_TIME_NONE)[0],
                             Gst.StateChangeReturn.SUCCESS)
            self.fails("metrics-port=%d" % port, Gst.ResourceError.BUSY,
                       "Could not serve metrics on 127.0.0.1:%d: the port "
                       "is in use." % port)
            # the first one goes on serving
            self.assertEqual(fetch(port)[0], 200)
            self.assertEqual(first.get_state(0)[1], Gst.State.PLAYING)
        finally:
            first.set_state(Gst.State.NULL)
        # stopped, it freed the port: another server takes it
        self.assertEqual(server_threads(), self.threads)
        second = Gst.parse_launch(
            "videotestsrc is-live=true ! edgereport metrics-port=%d ! "
            "fakesink" % port)
        second.set_state(Gst.State.PLAYING)
        try:
            self.assertEqual(second.get_state(Gst.CLOCK_TIME_NONE)[0],
                             Gst.StateChangeReturn.SUCCESS)
            self.assertEqual(fetch(port)[0], 200)
        finally:
            second.set_state(Gst.State.NULL)
        with self.assertRaises(urllib.error.URLError):
            fetch(port)

    def test_address_of_another_machine(self):
        port = free_port()
        # TEST-NET-1: on no interface of this machine
        debug = self.fails(
            "metrics-port=%d metrics-address=192.0.2.1" % port,
            Gst.ResourceError.SETTINGS,
            "Could not serve metrics on 192.0.2.1:%d: the address is not "
            "one of this machine's." % port)
        self.assertIn("192.0.2.1", debug)
        self.assertIn("Cannot assign requested address", debug)

    def test_port_out_of_range(self):
        for port in (65536, 70000, -1):
            self.fails("metrics-port=%d" % port, Gst.ResourceError.SETTINGS,
                       "Invalid metrics-port %d: it must be from 0 to "
                       "65535." % port)

    def test_not_an_address(self):
        for address in ("localhost", "", "127.0.0.256", "::g"):
            self.fails('metrics-port=%d metrics-address="%s"'
                       % (free_port(), address), Gst.ResourceError.SETTINGS,
                       'Invalid metrics-address "%s": it must be an IP '
                       'address of this machine, such as 127.0.0.1, ::1 or '
                       '0.0.0.0 (all).' % address)

    def test_off_by_default(self):
        pipe = Gst.parse_launch(
            "videotestsrc num-buffers=3 ! edgereport name=r location=%s ! "
            "fakesink" % self.results)
        self.assertEqual(pipe.get_by_name("r").get_property("metrics-port"),
                         0)
        self.assertEqual(
            pipe.get_by_name("r").get_property("metrics-address"),
            "127.0.0.1")
        pipe.set_state(Gst.State.PLAYING)
        try:
            run_to_eos(pipe)
            self.assertEqual(server_threads(), self.threads)
        finally:
            pipe.set_state(Gst.State.NULL)

    def test_ipv6_loopback(self):
        port = free_port()
        pipe = Gst.parse_launch(
            "videotestsrc num-buffers=3 ! edgereport metrics-port=%d "
            "metrics-address=::1 ! fakesink" % port)
        pipe.set_state(Gst.State.PLAYING)
        try:
            run_to_eos(pipe)
            status, ctype, _ = fetch(port, host="[::1]")
            self.assertEqual((status, ctype), (200, TEXT_TYPE))
        finally:
            pipe.set_state(Gst.State.NULL)


class MetricsLifetimeTest(unittest.TestCase):
    def test_scrapes_while_elements_start_and_stop(self):
        """A scrape reads the elements that start and stop meanwhile (their
        outputs, the MQTT publisher among them, closed and freed) whole or
        not at all"""
        folder = tempfile.mkdtemp(prefix="edgereport-metrics-",
                                  dir=os.environ.get("EDGE_TEST_OUTPUT_DIR"))
        port = free_port()
        server = Gst.parse_launch(
            "videotestsrc is-live=true ! edgereport metrics-port=%d ! "
            "fakesink" % port)
        server.set_state(Gst.State.PLAYING)
        done = threading.Event()
        bodies, failures = [], []

        def scrape():
            while not done.is_set():
                try:
                    status, _, body = fetch(port)
                    self.assertEqual(status, 200)
                    bodies.append(parse(body)[1])
                except Exception as e:  # noqa: B902 - reported below
                    failures.append(e)
                    return

        scraper = threading.Thread(target=scrape)
        try:
            self.assertEqual(server.get_state(Gst.CLOCK_TIME_NONE)[0],
                             Gst.StateChangeReturn.SUCCESS)
            scraper.start()
            for i in range(20):
                pipe = Gst.parse_launch(
                    "videotestsrc is-live=true ! %s ! edgeclassify "
                    "name=c%d ! edgereport name=r%d location=%s "
                    "mqtt-host=127.0.0.1 mqtt-port=%d ! fakesink"
                    % (CAPS, i, i, os.path.join(folder, "r.jsonl"),
                       free_port()))
                pipe.set_state(Gst.State.PLAYING)
                self.assertEqual(pipe.get_state(Gst.CLOCK_TIME_NONE)[0],
                                 Gst.StateChangeReturn.SUCCESS)
                pipe.set_state(Gst.State.NULL)
        finally:
            done.set()
            if scraper.is_alive():
                scraper.join()
            server.set_state(Gst.State.NULL)
            shutil.rmtree(folder)
        self.assertEqual(failures, [])
        self.assertGreater(len(bodies), 0)
        # an element seen is seen with all its outputs
        for samples in bodies:
            outputs = {}
            for name, labels, _ in samples:
                if name == "edgereport_records_written_total":
                    outputs.setdefault(labels["element"], set()).add(
                        labels["output"])
            for element, seen in outputs.items():
                self.assertEqual(seen, {"file", "MQTT"}, element)


if __name__ == "__main__":
    unittest.main(verbosity=2)
