/*
 * pdf_timing.cpp — by-hand timing of dsr_pdf_write (not a test): the median
 * of N generations of the same report, and its size, for a report whose
 * strings all fit the standard fonts' encoding and for one that needs
 * DejaVu.  CPU time too: on a shared machine it moves less than the wall
 * clock.
 *   make -C test/unit pdf_timing && test/unit/pdf_timing [N] [out-dir]
 */
#include "core/pdf_report.h"
#include "totals.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <time.h>

namespace
{

const char *const kFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const char *const kBoldFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

DsrReport
report(bool latin)
{
    DsrReport r;
    std::memset(&r, 0, sizeof r);
    r.shop_name = latin ? "TechCommerce" : "\xD0\x9C\xD0\xB0\xD0\xB3\xD0\xB0\xD0\xB7\xD0\xB8\xD0\xBD";
    r.report_date = "2025-09-22";
    r.timezone = "America/Sao_Paulo";
    r.day_hours = 24;
    r.orders = 187;
    r.revenue = 15420.50;
    r.revenue_text = "15420.50";
    r.avg_ticket = 82.46;
    r.avg_ticket_text = "82.46";
    r.items_sold = 412;
    r.rows_read = 1873;
    static const char *const names[] = {
        "C\xC3\xA2mera 4K A\xC3\xA7\xC3\xA3o \xC3\xA0 Prova d'\xC3\x81gua",
        "Monitor 27\" UltraWide",
        "Fone Bluetooth Noise Cancelling",
        "Teclado Mec\xC3\xA2nico ABNT2",
        "Cabo USB-C 2m",
    };
    r.top_count = 5;
    for (int k = 0; k < r.top_count; k++)
    {
        r.top[k].name = names[k];
        r.top[k].quantity = 10 - k;
        r.top[k].revenue = 1000.0 - 100 * k;
        r.top[k].revenue_text = "1000.00";
    }
    for (int h = 0; h < DSR_HOURS; h++)
        r.hourly_revenue[h] = (h * 37) % 500;
    r.previous_day = totals(164, 410, 13210.40, "13210.40");
    r.week_before = totals(201, 520, 16022.75, "16022.75");
    r.run_id = 42;
    r.generated_at = "2025-09-23 06:00:03 -03";
    r.query_seconds = 0.84;
    return r;
}

double
cpu_ms()
{
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void
measure(const char *label, const DsrReport &r, int n, const std::string &path)
{
    std::vector<double> ms, cpu;
    int64_t             bytes = 0;
    for (int i = 0; i < n; i++)
    {
        auto         t0 = std::chrono::steady_clock::now();
        double       c0 = cpu_ms();
        DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
        auto         t1 = std::chrono::steady_clock::now();
        cpu.push_back(cpu_ms() - c0);
        if (!res.ok)
        {
            std::fprintf(stderr, "%s: %s\n", label, res.error);
            std::exit(1);
        }
        bytes = res.bytes;
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    std::sort(cpu.begin(), cpu.end());
    std::printf("%-9s median %6.2f ms (CPU %6.2f ms)  min %6.2f ms  max %6.2f ms  %6.1f kB"
                "  (%d runs)  %s\n",
                label, ms[ms.size() / 2], cpu[cpu.size() / 2], ms.front(), ms.back(), bytes / 1024.0, n, path.c_str());
}

} // namespace

int
main(int argc, char **argv)
{
    int         n = argc > 1 ? std::atoi(argv[1]) : 50;
    std::string dir = argc > 2 ? argv[2] : "/tmp";
    measure("latin-1", report(true), n, dir + "/timing-latin1.pdf");
    measure("cyrillic", report(false), n, dir + "/timing-cyrillic.pdf");
    return 0;
}
