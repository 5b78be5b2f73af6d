/*
 * push_client.cpp — PUT/POST/DELETE to a Pushgateway over libcurl, with
 * timeouts, retries with exponential backoff and cancellation.
 *
 * Pure C++17, no PostgreSQL header; never throws, never writes to
 * stdout/stderr.
 *
 * Cancellation: libcurl calls the xferinfo callback only about once per
 * second while a transfer is idle (waiting for a silent server), which is
 * too slow for a query cancel.  So each attempt is driven through the multi
 * interface with a short poll slice, and interrupted() is checked after
 * every slice as well as from the xferinfo callback.
 */
#include "pure_cpp.h" /* first: no PostgreSQL header in src/core/ */

#include "push_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <string>
#include <thread>

namespace
{

constexpr int         kPollSliceMs = 50;        /* longest wait between interrupt checks */
constexpr size_t      kMaxResponseBytes = 4096; /* response body kept for the error text */
constexpr const char *kContentType = "Content-Type: text/plain; version=0.0.4; charset=utf-8";

bool g_curl_initialized = false;

using Clock = std::chrono::steady_clock;

/* What one attempt produced. */
enum class Outcome
{
    Success,   /* 2xx */
    Retryable, /* connection error, timeout, 5xx */
    Final,     /* 4xx, other HTTP status, local error */
    Canceled,  /* interrupted() said so */
};

struct Attempt
{
    Outcome     outcome = Outcome::Final;
    long        http_status = 0;
    std::string error;
};

struct TransferState
{
    const DsrPushOptions *options;
    std::string           response; /* first kMaxResponseBytes of the body */
    bool                  canceled = false;
};

bool
is_interrupted(const DsrPushOptions *options)
{
    return options->interrupted != nullptr && options->interrupted();
}

/* Copy into a fixed C buffer, cutting on a UTF-8 character boundary. */
void
set_error(char *dst, size_t size, const std::string &msg)
{
    if (size == 0)
        return;
    size_t n = msg.size();
    if (n >= size)
    {
        n = size - 1;
        /* do not leave half a multi-byte character at the end */
        while (n > 0 && (static_cast<unsigned char>(msg[n]) & 0xC0) == 0x80)
            n--;
    }
    std::memcpy(dst, msg.data(), n);
    dst[n] = '\0';
}

/* One line of readable text from a response body. */
std::string
clean_body(const std::string &body)
{
    std::string out;
    out.reserve(body.size());
    for (char c : body)
        out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? ' ' : c;
    const size_t first = out.find_first_not_of(' ');
    if (first == std::string::npos)
        return std::string();
    const size_t last = out.find_last_not_of(' ');
    return out.substr(first, last - first + 1);
}

size_t
on_write(char *data, size_t size, size_t nmemb, void *userdata)
{
    auto        *state = static_cast<TransferState *>(userdata);
    const size_t n = size * nmemb;
    try
    {
        if (state->response.size() < kMaxResponseBytes)
            state->response.append(data, std::min(n, kMaxResponseBytes - state->response.size()));
    }
    catch (...)
    {
        /* keep what we have; the transfer itself goes on */
    }
    return n;
}

int
on_progress(void *userdata, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    auto *state = static_cast<TransferState *>(userdata);
    if (is_interrupted(state->options))
    {
        state->canceled = true;
        return 1; /* abort: CURLE_ABORTED_BY_CALLBACK */
    }
    return 0;
}

/* CURLcodes worth another attempt: the network or the server may recover. */
bool
retryable(CURLcode code)
{
    switch (code)
    {
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_WEIRD_SERVER_REPLY:
            return true;
        default:
            return false;
    }
}

/* RAII for the handles of one attempt. */
struct Handles
{
    CURL       *easy = nullptr;
    CURLM      *multi = nullptr;
    curl_slist *headers = nullptr;
    bool        added = false;

    ~Handles()
    {
        if (added)
            curl_multi_remove_handle(multi, easy);
        if (multi)
            curl_multi_cleanup(multi);
        if (easy)
            curl_easy_cleanup(easy);
        if (headers)
            curl_slist_free_all(headers);
    }
};

/* The request headers of a PUT or POST: the exposition format, and no
 * "Expect: 100-continue" round trip for larger bodies. */
void
add_body_headers(Handles &h)
{
    for (const char *header : {kContentType, "Expect:"})
        if (curl_slist *list = curl_slist_append(h.headers, header))
            h.headers = list;
}

/* URL, method, body and headers; http and https only, no redirect followed. */
void
set_request(CURL *e, const std::string &url, const std::string &method, const char *body, bool has_body,
            curl_slist *headers, char *errbuf)
{
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (has_body)
    {
        const char *data = body ? body : "";
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, data);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(std::strlen(data)));
    }
    if (headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
}

/* The options' timeouts and credentials. */
void
set_limits_and_auth(CURL *e, const DsrPushOptions *options)
{
    if (options->connect_timeout_ms > 0)
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, options->connect_timeout_ms);
    if (options->timeout_ms > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, options->timeout_ms);
    if (options->basic_auth && options->basic_auth[0])
    {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
        curl_easy_setopt(e, CURLOPT_USERPWD, options->basic_auth);
    }
}

/* The response body kept in `state`; the progress callback asks interrupted(). */
void
set_callbacks(CURL *e, TransferState *state)
{
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, state);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, state);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
}

/* The handles of one attempt, set up and added to the multi handle: an
 * empty string, or what went wrong. */
std::string
set_up(Handles &h, TransferState &state, char *errbuf, const std::string &url, const std::string &method,
       const char *body)
{
    h.easy = curl_easy_init();
    h.multi = curl_multi_init();
    if (!h.easy || !h.multi)
        return "could not create a libcurl handle";

    const bool has_body = (method != "DELETE");
    if (has_body)
        add_body_headers(h);
    set_request(h.easy, url, method, body, has_body, h.headers, errbuf);
    set_limits_and_auth(h.easy, state.options);
    set_callbacks(h.easy, &state);

    if (curl_multi_add_handle(h.multi, h.easy) != CURLM_OK)
        return "could not start the libcurl transfer";
    h.added = true;
    return std::string();
}

/* How driving the transfer ended. */
struct Drive
{
    enum
    {
        Done,
        Canceled,
        Failed
    } end = Failed;
    CURLcode    code = CURLE_OK; /* Done: the transfer's result */
    std::string error;           /* Failed: libcurl's multi error */
};

/* Drive the transfer in short slices so that an interrupt is seen quickly. */
Drive
drive(Handles &h, TransferState &state)
{
    Drive d;
    for (;;)
    {
        int       running = 0;
        CURLMcode mc = curl_multi_perform(h.multi, &running);
        if (mc != CURLM_OK)
        {
            d.error = std::string("libcurl multi error: ") + curl_multi_strerror(mc);
            return d;
        }
        bool done = false;
        int  queued = 0;
        while (CURLMsg *msg = curl_multi_info_read(h.multi, &queued))
        {
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == h.easy)
            {
                d.code = msg->data.result;
                done = true;
            }
        }
        if (done || running == 0)
        {
            d.end = Drive::Done;
            return d;
        }
        if (state.canceled || is_interrupted(state.options))
        {
            d.end = Drive::Canceled;
            return d;
        }

        mc = curl_multi_poll(h.multi, nullptr, 0, kPollSliceMs, nullptr);
        if (mc != CURLM_OK)
        {
            d.error = std::string("libcurl multi error: ") + curl_multi_strerror(mc);
            return d;
        }
    }
}

Attempt
canceled_attempt()
{
    Attempt result;
    result.outcome = Outcome::Canceled;
    result.error = "push canceled: interrupted";
    return result;
}

/* A transfer that failed below HTTP: worth a retry if the network may recover. */
Attempt
classify_transfer_error(CURLcode code, const char *errbuf)
{
    Attempt result;
    result.outcome = retryable(code) ? Outcome::Retryable : Outcome::Final;
    result.error = curl_easy_strerror(code);
    if (errbuf[0])
    {
        result.error += ": ";
        result.error += errbuf;
    }
    return result;
}

/* An HTTP answer: 2xx succeeds, 5xx is retried, anything else is final; the
 * error has the status and the gateway's message. */
Attempt
classify_status(long status, const std::string &response)
{
    Attempt result;
    result.http_status = status;
    if (status >= 200 && status < 300)
    {
        result.outcome = Outcome::Success;
        return result;
    }

    result.outcome = (status >= 500 && status < 600) ? Outcome::Retryable : Outcome::Final;
    result.error = "HTTP " + std::to_string(status);
    const std::string text = clean_body(response);
    if (!text.empty())
        result.error += ": " + text;
    else if (status >= 300 && status < 400)
        result.error += ": redirect not followed";
    return result;
}

/* One request: set up, driven to its end, its outcome. */
Attempt
attempt_once(const DsrPushOptions *options, const std::string &url, const std::string &method, const char *body)
{
    TransferState state{options, {}, false};
    char          errbuf[CURL_ERROR_SIZE] = {0};
    Handles       h;

    Attempt result;
    result.error = set_up(h, state, errbuf, url, method, body);
    if (!result.error.empty())
        return result;

    const Drive d = drive(h, state);
    if (d.end == Drive::Failed)
    {
        result.error = d.error;
        return result;
    }
    if (d.end == Drive::Canceled || d.code == CURLE_ABORTED_BY_CALLBACK || state.canceled)
        return canceled_attempt();
    if (d.code != CURLE_OK)
        return classify_transfer_error(d.code, errbuf);

    long status = 0;
    curl_easy_getinfo(h.easy, CURLINFO_RESPONSE_CODE, &status);
    return classify_status(status, state.response);
}

bool
starts_with_nocase(const std::string &s, const char *prefix)
{
    const size_t n = std::strlen(prefix);
    if (s.size() < n)
        return false;
    for (size_t i = 0; i < n; i++)
    {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
        if (c != prefix[i])
            return false;
    }
    return true;
}

/* Empty string when base_url is usable, otherwise why not. */
std::string
check_base_url(const char *base_url)
{
    static const char kOnly[] = "only http:// and https:// URLs are supported";
    if (!base_url || !base_url[0])
        return std::string("Pushgateway URL is empty (") + kOnly + ")";
    const std::string url(base_url);
    const size_t      scheme_len = starts_with_nocase(url, "http://") ? 7 : starts_with_nocase(url, "https://") ? 8 : 0;
    if (scheme_len == 0)
        return std::string("unsupported Pushgateway URL scheme: ") + kOnly;
    if (url.size() == scheme_len || url[scheme_len] == '/')
        return "Pushgateway URL has no host";
    return std::string();
}

void
default_sleep(const DsrPushOptions *options, long ms)
{
    /* interruptible: wake up every slice to look at interrupted() */
    const auto until = Clock::now() + std::chrono::milliseconds(ms);
    while (!is_interrupted(options))
    {
        const auto now = Clock::now();
        if (now >= until)
            break;
        std::this_thread::sleep_for(std::min<Clock::duration>(until - now, std::chrono::milliseconds(kPollSliceMs)));
    }
}

DsrPushResult
push(const DsrPushOptions *options, const char *method, const char *path, const char *body)
{
    DsrPushResult result;
    std::memset(&result, 0, sizeof result);
    const auto start = Clock::now();
    auto       finish = [&]()
    {
        result.retries = result.attempts > 0 ? result.attempts - 1 : 0;
        result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        return result;
    };
    auto fail = [&](const std::string &msg)
    {
        result.ok = false;
        set_error(result.error, sizeof result.error, msg);
        return finish();
    };

    if (!options)
        return fail("no push options given");
    const std::string url_problem = check_base_url(options->base_url);
    if (!url_problem.empty())
        return fail(url_problem);
    const std::string m = method ? method : "";
    if (m != "PUT" && m != "POST" && m != "DELETE")
        return fail("unsupported HTTP method \"" + m + "\" (PUT, POST or DELETE)");
    if (!g_curl_initialized && !dsr_push_global_init())
        return fail("libcurl global initialization failed");

    std::string url(options->base_url);
    while (!url.empty() && url.back() == '/')
        url.pop_back();
    const std::string p = path ? path : "";
    if (!p.empty() && p[0] != '/')
        url += '/';
    url += p;

    const int max_retries = std::max(0, options->max_retries);
    long      backoff = std::max(0L, options->backoff_ms);

    for (int attempt = 0;; attempt++)
    {
        if (attempt > 0)
        {
            if (options->sleep_ms)
                options->sleep_ms(backoff);
            else
                default_sleep(options, backoff);
            backoff = backoff > LONG_MAX / 2 ? LONG_MAX : backoff * 2;
        }
        if (is_interrupted(options))
        {
            result.canceled = true;
            return fail("push canceled: interrupted");
        }

        result.attempts++;
        const Attempt a = attempt_once(options, url, m, body);
        result.http_status = a.http_status;

        switch (a.outcome)
        {
            case Outcome::Success:
                result.ok = true;
                result.error[0] = '\0';
                return finish();
            case Outcome::Canceled:
                result.canceled = true;
                return fail(a.error);
            case Outcome::Final:
                return fail(a.error);
            case Outcome::Retryable:
                set_error(result.error, sizeof result.error, a.error);
                if (attempt >= max_retries)
                    return finish();
                break;
        }
    }
}

} // namespace

extern "C" bool
dsr_push_global_init(void) noexcept
{
    try
    {
        if (!g_curl_initialized)
            g_curl_initialized = (curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK);
        return g_curl_initialized;
    }
    catch (...)
    {
        return false;
    }
}

extern "C" DsrPushResult
dsr_push(const DsrPushOptions *options, const char *method, const char *path, const char *body) noexcept
{
    try
    {
        return push(options, method, path, body);
    }
    catch (...)
    {
        DsrPushResult result;
        std::memset(&result, 0, sizeof result);
        /* no std::string here: building one could throw again */
        std::snprintf(result.error, sizeof result.error, "%s", "internal error in the push client");
        return result;
    }
}
