/*
 * test_push_client.cpp — the libcurl push client against the REAL
 * Pushgateway (started per test from the fixture) and against small socket
 * servers in the test (scripted answers, or a listener that never answers).
 */
#include "core/grouping_key_path.h"
#include "core/metrics_payload.h"
#include "core/push_client.h"
#include "sample_data.h"

#include <gtest/gtest.h>

#include <curl/curl.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern char **environ;

namespace
{

using Clock = std::chrono::steady_clock;

const char *const kGatewayBinary = "/usr/bin/prometheus-pushgateway";
const char *const kContentType = "text/plain; version=0.0.4; charset=utf-8";

double
seconds_since(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

bool
contains(const std::string &haystack, const std::string &needle)
{
    return haystack.find(needle) != std::string::npos;
}

std::string
lower(std::string s)
{
    for (auto &c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/* ------------------------------------------------------------------------
 * interrupted() / sleep_ms() doubles: plain function pointers, so globals.
 * ------------------------------------------------------------------------ */

std::atomic<bool>   g_interrupt_now{false};
Clock::time_point   g_interrupt_at = Clock::time_point::max();
std::vector<double> g_interrupt_checks; /* seconds since g_push_start of each call */
Clock::time_point   g_push_start;
std::vector<long>   g_sleeps;
bool                g_interrupt_when_sleeping = false;

bool
test_interrupted()
{
    g_interrupt_checks.push_back(seconds_since(g_push_start));
    return g_interrupt_now.load() || Clock::now() >= g_interrupt_at;
}

void
test_sleep(long ms)
{
    g_sleeps.push_back(ms); /* recorded, not slept: keeps the tests fast */
    if (g_interrupt_when_sleeping)
        g_interrupt_now = true;
}

void
reset_doubles()
{
    g_interrupt_now = false;
    g_interrupt_at = Clock::time_point::max();
    g_interrupt_checks.clear();
    g_sleeps.clear();
    g_interrupt_when_sleeping = false;
    g_push_start = Clock::now();
}

DsrPushOptions
options_for(const std::string &base_url)
{
    static std::string keep; /* base_url must outlive the options */
    keep = base_url;
    DsrPushOptions o{};
    o.base_url = keep.c_str();
    o.connect_timeout_ms = 2000;
    o.timeout_ms = 5000;
    o.max_retries = 2;
    o.backoff_ms = 10;
    o.basic_auth = nullptr;
    o.interrupted = test_interrupted;
    o.sleep_ms = test_sleep;
    return o;
}

DsrPushResult
push(const DsrPushOptions &o, const char *method, const std::string &path, const char *body)
{
    g_push_start = Clock::now();
    return dsr_push(&o, method, path.c_str(), body);
}

std::string
take(char *s)
{
    EXPECT_NE(s, nullptr);
    std::string out = s ? s : "";
    std::free(s);
    return out;
}

/* ------------------------------------------------------------------------
 * sockets
 * ------------------------------------------------------------------------ */

int
listen_socket(int *port)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0)
    {
        close(fd);
        return -1;
    }
    *port = ntohs(addr.sin_port);
    return fd;
}

/* A port nobody listens on (bound then closed: connection refused). */
int
closed_port()
{
    int       port = 0;
    const int fd = listen_socket(&port);
    if (fd >= 0)
        close(fd);
    return port;
}

struct Request
{
    std::string head; /* request line + headers */
    std::string body;
};

std::string
http_response(int status, const std::string &body, const std::string &extra_headers = "")
{
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: text/plain; charset=utf-8\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

/*
 * A server thread on 127.0.0.1:<port>.  Scripted: reads each request and
 * answers with the next scripted response (the last one repeats).  Silent:
 * accepts connections and never reads or writes.
 */
class TestServer
{
public:
    enum class Mode
    {
        Scripted,
        Silent
    };

    explicit TestServer(Mode mode, std::vector<std::string> responses = {})
        : mode_(mode), responses_(std::move(responses))
    {
        fd_ = listen_socket(&port_);
        thread_ = std::thread([this] { run(); });
    }

    ~TestServer()
    {
        stop_ = true;
        thread_.join();
        for (int c : held_)
            close(c);
        if (fd_ >= 0)
            close(fd_);
    }

    bool
    ok() const
    {
        return fd_ >= 0;
    }
    std::string
    url() const
    {
        return "http://127.0.0.1:" + std::to_string(port_);
    }
    int
    connections() const
    {
        return connections_.load();
    }

    std::vector<Request>
    requests()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return requests_;
    }

private:
    void
    run()
    {
        while (!stop_ && fd_ >= 0)
        {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 20) <= 0)
                continue;
            const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0)
                continue;
            connections_++;
            if (mode_ == Mode::Silent)
            {
                held_.push_back(c); /* never read, never answer */
                continue;
            }
            Request req = read_request(c);
            {
                std::lock_guard<std::mutex> lock(mutex_);
                requests_.push_back(req);
            }
            const std::string &resp =
                responses_.empty() ? std::string() : responses_[std::min(answered_++, responses_.size() - 1)];
            (void) !write(c, resp.data(), resp.size());
            shutdown(c, SHUT_WR);
            close(c);
        }
    }

    static Request
    read_request(int c)
    {
        Request     r;
        std::string data;
        char        buf[4096];
        size_t      body_len = 0;
        size_t      head_end = std::string::npos;
        const auto  deadline = Clock::now() + std::chrono::seconds(5);
        while (Clock::now() < deadline)
        {
            if (head_end != std::string::npos && data.size() >= head_end + 4 + body_len)
                break;
            pollfd p{c, POLLIN, 0};
            if (poll(&p, 1, 100) <= 0)
                continue;
            const ssize_t n = read(c, buf, sizeof buf);
            if (n <= 0)
                break;
            data.append(buf, static_cast<size_t>(n));
            if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos)
            {
                const std::string head = lower(data.substr(0, head_end));
                const size_t      cl = head.find("\r\ncontent-length:");
                if (cl != std::string::npos)
                    body_len = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
            }
        }
        if (head_end != std::string::npos)
        {
            r.head = data.substr(0, head_end);
            r.body = data.substr(head_end + 4);
        }
        return r;
    }

    Mode                     mode_;
    std::vector<std::string> responses_;
    size_t                   answered_ = 0;
    int                      fd_ = -1;
    int                      port_ = 0;
    std::atomic<bool>        stop_{false};
    std::atomic<int>         connections_{0};
    std::vector<int>         held_;
    std::mutex               mutex_;
    std::vector<Request>     requests_;
    std::thread              thread_;
};

/* ------------------------------------------------------------------------
 * plain libcurl GET, for reading the gateway back
 * ------------------------------------------------------------------------ */

size_t
append_to_string(char *data, size_t size, size_t nmemb, void *userdata)
{
    static_cast<std::string *>(userdata)->append(data, size * nmemb);
    return size * nmemb;
}

long
http_get(const std::string &url, std::string *body)
{
    body->clear();
    CURL *h = curl_easy_init();
    if (!h)
        return 0;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_to_string);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    return status;
}

class PushClientTest : public ::testing::Test
{
protected:
    void
    SetUp() override
    {
        /* the tests talk to 127.0.0.1: keep any proxy of the environment out */
        for (const char *v : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
            unsetenv(v);
        ASSERT_TRUE(dsr_push_global_init());
        ASSERT_TRUE(dsr_push_global_init()); /* idempotent */
        reset_doubles();
    }
};

/* ------------------------------------------------------------------------
 * a real Pushgateway per test
 * ------------------------------------------------------------------------ */

class PushClientGateway : public PushClientTest
{
protected:
    void
    SetUp() override
    {
        PushClientTest::SetUp();
        if (access(kGatewayBinary, X_OK) != 0)
            GTEST_SKIP() << kGatewayBinary << " not installed";

        char dir[] = "/tmp/dsr_pushgateway_XXXXXX";
        ASSERT_NE(mkdtemp(dir), nullptr);
        dir_ = dir;
        const int port = closed_port();
        ASSERT_GT(port, 0);
        url_ = "http://127.0.0.1:" + std::to_string(port);

        const std::string          listen = "--web.listen-address=127.0.0.1:" + std::to_string(port);
        const std::string          persistence = "--persistence.file=" + dir_ + "/metrics.store";
        const std::string          log = dir_ + "/pushgateway.log";
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        char     *argv[] = {const_cast<char *>(kGatewayBinary), const_cast<char *>(listen.c_str()),
                            const_cast<char *>(persistence.c_str()), nullptr};
        const int rc = posix_spawn(&pid_, kGatewayBinary, &actions, nullptr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        ASSERT_EQ(rc, 0) << "posix_spawn: " << std::strerror(rc);

        const auto  deadline = Clock::now() + std::chrono::seconds(15);
        std::string body;
        while (http_get(url_ + "/-/ready", &body) != 200)
        {
            int status;
            ASSERT_EQ(waitpid(pid_, &status, WNOHANG), 0) << "pushgateway exited; see " << log;
            ASSERT_LT(Clock::now(), deadline) << "pushgateway not ready; see " << log;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    void
    TearDown() override
    {
        if (pid_ > 0)
        {
            kill(pid_, SIGTERM);
            int status;
            waitpid(pid_, &status, 0);
        }
        if (!dir_.empty())
        {
            unlink((dir_ + "/metrics.store").c_str());
            unlink((dir_ + "/pushgateway.log").c_str());
            rmdir(dir_.c_str());
        }
    }

    std::string
    api_metrics()
    {
        std::string body;
        EXPECT_EQ(http_get(url_ + "/api/v1/metrics", &body), 200);
        return body;
    }

    pid_t       pid_ = -1;
    std::string dir_;
    std::string url_;
};

} // namespace

/* ======================================================================== */

TEST_F(PushClientTest, RejectsNonHttpUrlsWithoutTrying)
{
    for (const char *url : {"ftp://x", "file:///etc/passwd", "", "localhost:9091", "gopher://h:70/"})
    {
        DsrPushOptions      o = options_for(url);
        const DsrPushResult r = push(o, "PUT", "/metrics/job/x", "a 1\n");
        EXPECT_FALSE(r.ok) << url;
        EXPECT_FALSE(r.canceled) << url;
        EXPECT_EQ(r.attempts, 0) << url;
        EXPECT_EQ(r.retries, 0) << url;
        EXPECT_EQ(r.http_status, 0) << url;
        EXPECT_TRUE(contains(r.error, "only http:// and https:// URLs are supported")) << url << ": " << r.error;
    }
    DsrPushOptions o = options_for("");
    o.base_url = nullptr;
    DsrPushResult r = push(o, "PUT", "/metrics/job/x", "a 1\n");
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(contains(r.error, "only http:// and https://")) << r.error;

    o = options_for("http://");
    r = push(o, "PUT", "/metrics/job/x", "a 1\n");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.attempts, 0);
    EXPECT_TRUE(g_sleeps.empty());

    EXPECT_FALSE(dsr_push(nullptr, "PUT", "/x", "").ok);
}

TEST_F(PushClientTest, RejectsUnknownMethod)
{
    TestServer          server(TestServer::Mode::Scripted, {http_response(200, "")});
    DsrPushOptions      o = options_for(server.url());
    const DsrPushResult r = push(o, "GET", "/metrics/job/x", nullptr);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.attempts, 0);
    EXPECT_TRUE(contains(r.error, "PUT, POST or DELETE")) << r.error;
    EXPECT_EQ(server.connections(), 0);
}

TEST_F(PushClientTest, PutSendsPathContentTypeAndBody)
{
    TestServer server(TestServer::Mode::Scripted, {http_response(200, "")});
    ASSERT_TRUE(server.ok());
    DsrPushOptions    o = options_for(server.url() + "//"); /* trailing slashes are stripped */
    const std::string body = take(dsr_running_payload(1));

    const DsrPushResult r = push(o, "PUT", "/metrics/job/daily-sales-report", body.c_str());
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_FALSE(r.canceled);
    EXPECT_EQ(r.http_status, 200);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(r.retries, 0);
    EXPECT_GT(r.seconds, 0.0);
    EXPECT_STREQ(r.error, "");

    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].head.rfind("PUT /metrics/job/daily-sales-report HTTP/1.1\r\n", 0), 0u) << reqs[0].head;
    EXPECT_TRUE(contains(reqs[0].head, std::string("\r\nContent-Type: ") + kContentType)) << reqs[0].head;
    EXPECT_FALSE(contains(lower(reqs[0].head), "authorization")) << reqs[0].head;
    EXPECT_FALSE(contains(lower(reqs[0].head), "expect:")) << reqs[0].head;
    EXPECT_EQ(reqs[0].body, body);
}

TEST_F(PushClientTest, PostSendsBodyAndDeleteSendsNone)
{
    TestServer     server(TestServer::Mode::Scripted, {http_response(202, ""), http_response(202, "")});
    DsrPushOptions o = options_for(server.url());

    DsrPushResult r = push(o, "POST", "/metrics/job/j", "batch_job_running 1\n");
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.http_status, 202);
    r = push(o, "DELETE", "/metrics/job/j/date/2025-09-22", nullptr);
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.http_status, 202);

    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[0].head.rfind("POST /metrics/job/j HTTP/1.1\r\n", 0), 0u) << reqs[0].head;
    EXPECT_EQ(reqs[0].body, "batch_job_running 1\n");
    EXPECT_EQ(reqs[1].head.rfind("DELETE /metrics/job/j/date/2025-09-22 HTTP/1.1\r\n", 0), 0u) << reqs[1].head;
    EXPECT_EQ(reqs[1].body, "");
    EXPECT_FALSE(contains(lower(reqs[1].head), "content-length: 1")) << reqs[1].head;
}

TEST_F(PushClientTest, BasicAuthIsSentButNeverAppearsInErrors)
{
    TestServer     server(TestServer::Mode::Scripted, {http_response(401, "Unauthorized\n")});
    DsrPushOptions o = options_for(server.url());
    o.basic_auth = "user:s3cret";

    const DsrPushResult r = push(o, "PUT", "/metrics/job/j", "a 1\n");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.http_status, 401);
    EXPECT_EQ(r.attempts, 1); /* 4xx is final */
    EXPECT_STREQ(r.error, "HTTP 401: Unauthorized");
    EXPECT_FALSE(contains(r.error, "s3cret"));
    EXPECT_TRUE(g_sleeps.empty());

    const auto reqs = server.requests();
    ASSERT_EQ(reqs.size(), 1u);
    /* base64("user:s3cret") */
    EXPECT_TRUE(contains(reqs[0].head, "\r\nAuthorization: Basic dXNlcjpzM2NyZXQ=")) << reqs[0].head;
}

TEST_F(PushClientTest, ServerErrorsAreRetriedWithBackoffUntilSuccess)
{
    TestServer     server(TestServer::Mode::Scripted,
                          {http_response(503, "busy"), http_response(500, "oops"), http_response(200, "")});
    DsrPushOptions o = options_for(server.url());
    o.max_retries = 3;

    const DsrPushResult r = push(o, "PUT", "/metrics/job/j", "a 1\n");
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.http_status, 200);
    EXPECT_EQ(r.attempts, 3);
    EXPECT_EQ(r.retries, 2);
    EXPECT_EQ(g_sleeps, (std::vector<long>{10, 20}));
    EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(PushClientTest, ServerErrorsGiveUpAfterMaxRetries)
{
    TestServer     server(TestServer::Mode::Scripted, {http_response(503, "gateway overloaded\n")});
    DsrPushOptions o = options_for(server.url());
    o.max_retries = 2;

    const DsrPushResult r = push(o, "PUT", "/metrics/job/j", "a 1\n");
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.canceled);
    EXPECT_EQ(r.http_status, 503);
    EXPECT_EQ(r.attempts, 3);
    EXPECT_EQ(r.retries, 2);
    EXPECT_STREQ(r.error, "HTTP 503: gateway overloaded");
    EXPECT_EQ(g_sleeps, (std::vector<long>{10, 20}));
}

TEST_F(PushClientTest, UnreachableGatewayRetriesWithExponentialBackoff)
{
    DsrPushOptions o = options_for("http://127.0.0.1:" + std::to_string(closed_port()));
    o.max_retries = 3;
    o.backoff_ms = 10;

    const DsrPushResult r = push(o, "PUT", "/metrics/job/j", "a 1\n");
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.canceled);
    EXPECT_EQ(r.http_status, 0);
    EXPECT_EQ(r.attempts, 4);
    EXPECT_EQ(r.retries, 3);
    EXPECT_EQ(g_sleeps, (std::vector<long>{10, 20, 40}));
    EXPECT_TRUE(contains(lower(r.error), "connect")) << r.error;
}

TEST_F(PushClientTest, RedirectIsNotFollowed)
{
    TestServer          server(TestServer::Mode::Scripted,
                               {http_response(302, "", "Location: http://127.0.0.1:1/elsewhere\r\n")});
    DsrPushOptions      o = options_for(server.url());
    const DsrPushResult r = push(o, "PUT", "/metrics/job/j", "a 1\n");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.http_status, 302);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_TRUE(contains(r.error, "HTTP 302")) << r.error;
    EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(PushClientTest, LongErrorBodyIsCutToFitOnACharacterBoundary)
{
    std::string long_body;
    for (int i = 0; i < 600; i++)
        long_body += "é"; /* 2 bytes each */
    TestServer     server(TestServer::Mode::Scripted, {http_response(400, long_body)});
    DsrPushOptions o = options_for(server.url());

    const DsrPushResult r = push(o, "PUT", "/metrics/job/j", "a 1\n");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.http_status, 400);
    const std::string err = r.error;
    EXPECT_LT(err.size(), sizeof r.error);
    EXPECT_EQ(err.rfind("HTTP 400: éé", 0), 0u) << err;
    /* "HTTP 400: " is 10 bytes, then only whole 2-byte characters */
    EXPECT_EQ((err.size() - 10) % 2, 0u) << err.size();
    EXPECT_EQ(err.substr(err.size() - 2), "é");
}

TEST_F(PushClientTest, SilentServerTimesOutOnEveryAttempt)
{
    TestServer     server(TestServer::Mode::Silent);
    DsrPushOptions o = options_for(server.url());
    o.timeout_ms = 500;
    o.max_retries = 1;

    const DsrPushResult r = push(o, "PUT", "/metrics/job/j", "a 1\n");
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.canceled);
    EXPECT_EQ(r.attempts, 2);
    EXPECT_EQ(r.http_status, 0);
    EXPECT_TRUE(contains(lower(r.error), "timeout")) << r.error;
    EXPECT_EQ(g_sleeps, (std::vector<long>{10})); /* recorded, not slept */
    /* ~0.5 s per attempt */
    EXPECT_GE(r.seconds, 0.95);
    EXPECT_LT(r.seconds, 1.6);
    EXPECT_EQ(server.connections(), 2);
}

TEST_F(PushClientTest, InterruptStopsAWaitingTransferWellUnderASecond)
{
    TestServer     server(TestServer::Mode::Silent);
    DsrPushOptions o = options_for(server.url());
    o.timeout_ms = 10000;
    o.max_retries = 3;

    g_push_start = Clock::now();
    g_interrupt_at = g_push_start + std::chrono::milliseconds(200);
    const DsrPushResult r = dsr_push(&o, "PUT", "/metrics/job/j", "a 1\n");
    const double        elapsed = seconds_since(g_push_start);

    EXPECT_TRUE(r.canceled);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_TRUE(g_sleeps.empty());
    EXPECT_TRUE(contains(r.error, "canceled")) << r.error;
    EXPECT_GE(elapsed, 0.2);
    EXPECT_LT(elapsed, 1.0);
    EXPECT_LT(elapsed - 0.2, 0.15) << "interrupt noticed only after " << (elapsed - 0.2) << " s";
    EXPECT_NEAR(r.seconds, elapsed, 0.05);

    /* measured: interrupted() is polled often while the transfer waits */
    ASSERT_GE(g_interrupt_checks.size(), 3u);
    double max_gap = 0;
    for (size_t i = 1; i < g_interrupt_checks.size(); i++)
        max_gap = std::max(max_gap, g_interrupt_checks[i] - g_interrupt_checks[i - 1]);
    EXPECT_LT(max_gap, 0.1) << g_interrupt_checks.size() << " checks";
    RecordProperty("interrupt_checks", static_cast<int>(g_interrupt_checks.size()));
    RecordProperty("max_gap_ms", static_cast<int>(max_gap * 1000));
}

TEST_F(PushClientTest, InterruptBeforeTheFirstAttemptSendsNothing)
{
    TestServer     server(TestServer::Mode::Scripted, {http_response(200, "")});
    DsrPushOptions o = options_for(server.url());
    g_interrupt_now = true;

    const DsrPushResult r = push(o, "PUT", "/metrics/job/j", "a 1\n");
    EXPECT_TRUE(r.canceled);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.attempts, 0);
    EXPECT_EQ(server.connections(), 0);
}

TEST_F(PushClientTest, InterruptDuringBackoffStopsRetrying)
{
    DsrPushOptions o = options_for("http://127.0.0.1:" + std::to_string(closed_port()));
    o.max_retries = 5;
    g_interrupt_when_sleeping = true;

    const DsrPushResult r = push(o, "PUT", "/metrics/job/j", "a 1\n");
    EXPECT_TRUE(r.canceled);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(g_sleeps, (std::vector<long>{10}));
}

/* ---------------------------------------------------------- real gateway */

TEST_F(PushClientGateway, DayAndJobGroupsArriveWithTheirLabels)
{
    const DsrReport   report = sample_report();
    const std::string day_body = take(dsr_business_payload(&report));
    const std::string day_path = take(dsr_group_path("daily-sales-report", "date", "2025-09-22"));
    ASSERT_EQ(day_path, "/metrics/job/daily-sales-report/date/2025-09-22");
    const DsrJobFigures figures = sample_figures();
    const std::string   job_body = take(dsr_job_payload(&figures));
    const std::string   job_path = take(dsr_group_path("daily-sales-report", nullptr, nullptr));

    DsrPushOptions o = options_for(url_ + "/");
    DsrPushResult  r = push(o, "PUT", day_path, day_body.c_str());
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_TRUE(r.http_status == 200 || r.http_status == 202) << r.http_status;
    EXPECT_EQ(r.attempts, 1);
    r = push(o, "PUT", job_path, job_body.c_str());
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.attempts, 1);

    const std::string api = api_metrics();
    SCOPED_TRACE(api);
    const std::string day_labels = R"("labels":{"date":"2025-09-22","instance":"","job":"daily-sales-report"})";
    const std::string job_labels = R"("labels":{"instance":"","job":"daily-sales-report"})";

    /* the day group, keyed by job and date */
    EXPECT_TRUE(contains(api, R"("labels":{"date":"2025-09-22","job":"daily-sales-report"})"));
    EXPECT_TRUE(contains(api, day_labels + R"(,"value":"15420.5")"));
    EXPECT_TRUE(contains(api, day_labels + R"(,"value":"42")"));
    EXPECT_TRUE(contains(api, day_labels + R"(,"value":"137")"));
    /* quotes, backslash, accents and a newline survive the round trip */
    EXPECT_TRUE(
        contains(api, R"("job":"daily-sales-report","product":"Monitor 27\" UltraWide\\back"},"value":"5999.9")"));
    EXPECT_TRUE(contains(
        api, R"("job":"daily-sales-report","product":"Monitor 27\" UltraWide\\back","rank":"1"},"value":"5999.9")"));
    EXPECT_TRUE(
        contains(api,
                 R"("job":"daily-sales-report","product":"Café Açaí Pão de Queijo","rank":"2"},"value":"1234.56")"));
    EXPECT_TRUE(contains(api, R"("job":"daily-sales-report","product":"Cabo\nHDMI","rank":"3"},"value":"70")"));
    EXPECT_TRUE(contains(
        api,
        R"("labels":{"compared_to":"previous_day","date":"2025-09-22","instance":"","job":"daily-sales-report"},"value":"0.10146428571428572")"));
    EXPECT_FALSE(contains(api, R"("compared_to":"week_before")")); /* week_before revenue is 0 */

    /* the job group, keyed by job only */
    EXPECT_TRUE(contains(api, job_labels + R"(,"value":"2.345")"));
    /* the gateway's JSON prints floats the Go way: 1758585600 -> 1.7585856e+09 */
    EXPECT_TRUE(contains(api, R"("batch_job_last_success_timestamp":{)"));
    EXPECT_TRUE(contains(api, job_labels + R"(,"value":"1.7585856e+09")"));
    EXPECT_TRUE(
        contains(api, R"("labels":{"instance":"","job":"daily-sales-report","status":"success"},"value":"12")"));
    EXPECT_TRUE(
        contains(api, R"("labels":{"error_type":"network","instance":"","job":"daily-sales-report"},"value":"2")"));
    EXPECT_TRUE(
        contains(api, R"("labels":{"instance":"","job":"daily-sales-report","operation":"push_metrics"},"value":"3")"));
    EXPECT_TRUE(contains(api, R"("batch_job_executions_total":{)"));
    EXPECT_TRUE(contains(api, R"("type":"COUNTER")"));
    EXPECT_FALSE(contains(api, R"("last_push_successful":false)"));
}

TEST_F(PushClientGateway, RunningPostUpdatesOneSeriesAndDeleteRemovesAGroup)
{
    DsrPushOptions      o = options_for(url_);
    const DsrJobFigures figures = sample_figures();
    const std::string   job_path = take(dsr_group_path("daily-sales-report", nullptr, nullptr));
    ASSERT_TRUE(push(o, "PUT", job_path, take(dsr_job_payload(&figures)).c_str()).ok);

    /* POST replaces only batch_job_running, the rest of the group stays */
    DsrPushResult r = push(o, "POST", job_path, take(dsr_running_payload(1)).c_str());
    ASSERT_TRUE(r.ok) << r.error;
    std::string api = api_metrics();
    EXPECT_TRUE(contains(api, R"("batch_job_running":{)")) << api;
    EXPECT_TRUE(contains(api, R"("labels":{"instance":"","job":"daily-sales-report"},"value":"1"})")) << api;
    EXPECT_TRUE(contains(api, R"("labels":{"instance":"","job":"daily-sales-report"},"value":"2.345")")) << api;

    /* a date with '/' goes through the @base64 form and comes back decoded */
    const DsrReport   report = sample_report();
    const std::string odd_path = take(dsr_group_path("daily-sales-report", "date", "2025/09/22"));
    r = push(o, "PUT", odd_path, take(dsr_business_payload(&report)).c_str());
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_TRUE(contains(api_metrics(), R"("labels":{"date":"2025/09/22","job":"daily-sales-report"})"));

    r = push(o, "DELETE", odd_path, nullptr);
    ASSERT_TRUE(r.ok) << r.error;
    api = api_metrics();
    EXPECT_FALSE(contains(api, R"("date":"2025/09/22")")) << api;
    EXPECT_TRUE(contains(api, R"("batch_job_running":{)")) << api;
}

TEST_F(PushClientGateway, InconsistentTypeIsRejectedWith400AndNotRetried)
{
    DsrPushOptions o = options_for(url_);
    o.max_retries = 3;
    const DsrJobFigures figures = sample_figures();
    ASSERT_TRUE(push(o, "PUT", "/metrics/job/daily-sales-report", take(dsr_job_payload(&figures)).c_str()).ok);

    /* the same name as a counter in another group */
    const char *clash = "# HELP batch_job_running Conflicting type.\n"
                        "# TYPE batch_job_running counter\n"
                        "batch_job_running 1\n";
    g_sleeps.clear();
    const DsrPushResult r = push(o, "PUT", "/metrics/job/other-job", clash);
    EXPECT_FALSE(r.ok);
    EXPECT_FALSE(r.canceled);
    EXPECT_EQ(r.http_status, 400);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(r.retries, 0);
    EXPECT_TRUE(g_sleeps.empty());
    EXPECT_EQ(std::string(r.error).rfind("HTTP 400: pushed metrics are invalid or inconsistent with existing metrics: ",
                                         0),
              0u)
        << r.error;
    EXPECT_TRUE(contains(r.error, "batch_job_running")) << r.error;
    EXPECT_EQ(std::string(r.error).find('\n'), std::string::npos) << r.error;
}
