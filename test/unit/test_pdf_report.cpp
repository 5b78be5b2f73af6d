/*
 * test_pdf_report.cpp — the daily sales PDF, checked the way a user would:
 * write it, extract the text with pdftotext, count pages with pdfinfo, look
 * at the directory.  Needs poppler-utils and fonts-dejavu-core.
 */
#include "pdf_report.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const char *const kFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const char *const kBoldFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

const char *const kCamera = "C\xC3\xA2mera 4K A\xC3\xA7\xC3\xA3o \xC3\xA0 Prova d'\xC3\x81gua";
const char *const kMonitor = "Monitor 27\" UltraWide";
const char *const kPao = "P\xC3\xA3o de Queijo";
const char *const kEmojiName = "Caixa Surpresa \xF0\x9F\x93\xA6 Gamer";   /* U+1F4E6 */
const char *const kLongName =
    "Kit Completo de Ferramentas Profissionais com Maleta Refor\xC3\xA7" "ada, 128 Pe\xC3\xA7"
    "as, Chaves Torx, Philips e Fenda, Edi\xC3\xA7\xC3\xA3o Especial de Anivers\xC3\xA1rio";
const char *const kReplacement = "\xEF\xBF\xBD";   /* U+FFFD */
const char *const kEllipsis = "\xE2\x80\xA6";      /* U+2026 */

/* The realistic day: Monday 2025-09-22 in Sao Paulo. */
DsrReport
sample_report()
{
    DsrReport r;
    std::memset(&r, 0, sizeof r);
    r.shop_name = "TechCommerce";
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

    struct P
    {
        const char *name;
        int64_t qty;
        double rev;
        const char *text;
    } top[] = {
        {kCamera, 3, 3449.70, "3449.70"},
        {kMonitor, 2, 2899.80, "2899.80"},
        {"Fone Bluetooth Noise Cancelling", 9, 2158.20, "2158.20"},
        {"Teclado Mec\xC3\xA2nico ABNT2", 6, 1314.00, "1314.00"},
        {kLongName, 4, 1196.00, "1196.00"},
        {"Cabo USB-C 2m", 41, 819.59, "819.59"},
        {kEmojiName, 7, 699.30, "699.30"},
        {kPao, 96, 479.04, "479.04"},
    };
    r.top_count = static_cast<int>(sizeof top / sizeof top[0]);
    for (int k = 0; k < r.top_count; k++)
    {
        r.top[k].name = top[k].name;
        r.top[k].quantity = top[k].qty;
        r.top[k].revenue = top[k].rev;
        r.top[k].revenue_text = top[k].text;
    }

    const double hourly[DSR_HOURS] = {
        120.40, 35.90,  0.00,   0.00,   0.00,    48.50,  160.00, 310.25,
        590.10, 880.00, 1012.35, 1105.60, 1290.00, 1188.40, 1044.10, 930.00,
        860.55, 795.30, 910.20, 1320.75, 1210.00, 850.05,  488.00, 271.00};
    for (int h = 0; h < DSR_HOURS; h++)
        r.hourly_revenue[h] = hourly[h];

    r.previous_day = DsrTotals{164, 410, 13210.40, "13210.40"};
    r.week_before = DsrTotals{201, 520, 16022.75, "16022.75"};
    r.run_id = 42;
    r.generated_at = "2025-09-23 06:00:03 -03";
    r.query_seconds = 0.84;
    return r;
}

DsrReport
empty_report()
{
    DsrReport r;
    std::memset(&r, 0, sizeof r);
    r.report_date = "2025-09-21";
    r.timezone = "America/Sao_Paulo";
    r.day_hours = 24;
    r.revenue_text = "0.00";
    r.avg_ticket_text = "0.00";
    r.previous_day = DsrTotals{0, 0, 0.0, "0.00"};
    r.week_before = DsrTotals{12, 0, 980.00, "980.00"};
    r.run_id = 43;
    r.generated_at = "2025-09-22 06:00:01 -03";
    r.query_seconds = 0.02;
    return r;
}

std::string
run(const std::string &cmd)
{
    std::string out;
    FILE *p = popen(cmd.c_str(), "r");
    if (!p)
        return out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    pclose(p);
    return out;
}

std::string
quote(const std::string &s)
{
    std::string q = "'";
    for (char c : s)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string
pdf_text(const std::string &path)
{
    return run("pdftotext -layout -enc UTF-8 " + quote(path) + " - 2>/dev/null");
}

int
pdf_pages(const std::string &path)
{
    std::string info = run("pdfinfo " + quote(path) + " 2>/dev/null");
    size_t pos = info.find("Pages:");
    if (pos == std::string::npos)
        return -1;
    return std::atoi(info.c_str() + pos + 6);
}

std::string
read_file(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/* The text line of `text` containing `needle` ("" if none). */
std::string
line_with(const std::string &text, const std::string &needle)
{
    size_t pos = text.find(needle);
    if (pos == std::string::npos)
        return "";
    size_t b = text.rfind('\n', pos);
    size_t e = text.find('\n', pos);
    b = b == std::string::npos ? 0 : b + 1;
    return text.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

class PdfReportTest : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (access(kFont, R_OK) != 0 || access(kBoldFont, R_OK) != 0)
            GTEST_SKIP() << "DejaVu fonts not installed (fonts-dejavu-core)";
        if (run("command -v pdftotext && command -v pdfinfo").find("pdfinfo") == std::string::npos)
            GTEST_SKIP() << "poppler-utils not installed";
        char tmpl[] = "/tmp/pdf_report_test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override
    {
        if (!dir_.empty())
        {
            std::error_code ec;
            fs::remove_all(dir_, ec);
        }
    }

    std::vector<std::string> dir_entries(const std::string &d) const
    {
        std::vector<std::string> names;
        for (const auto &e : fs::directory_iterator(d))
            names.push_back(e.path().filename().string());
        return names;
    }

    std::string dir_;
};

using PdfReport = PdfReportTest;

TEST_F(PdfReport, FullReportShowsTitleDateKpisAndNames)
{
    DsrReport r = sample_report();
    std::string path = dir_ + "/daily-sales-2025-09-22.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;

    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(res.bytes, static_cast<int64_t>(st.st_size));
    EXPECT_EQ(read_file(path).compare(0, 5, "%PDF-"), 0);
    EXPECT_EQ(pdf_pages(path), 1);

    std::string text = pdf_text(path);
    EXPECT_NE(text.find("Daily sales report"), std::string::npos) << text;
    EXPECT_NE(text.find("2025-09-22"), std::string::npos);
    EXPECT_NE(text.find("Monday"), std::string::npos);
    EXPECT_NE(text.find("America/Sao_Paulo"), std::string::npos);
    EXPECT_NE(text.find("TechCommerce"), std::string::npos);

    /* KPI tiles, money with thousands separators */
    EXPECT_NE(text.find("Revenue"), std::string::npos);
    EXPECT_NE(text.find("15,420.50"), std::string::npos) << text;
    EXPECT_NE(text.find("Orders"), std::string::npos);
    EXPECT_NE(text.find("187"), std::string::npos);
    EXPECT_NE(text.find("Average ticket"), std::string::npos);
    EXPECT_NE(text.find("82.46"), std::string::npos);
    EXPECT_NE(text.find("Items sold"), std::string::npos);
    EXPECT_NE(text.find("412"), std::string::npos);
    EXPECT_NE(text.find("3,449.70"), std::string::npos);

    /* accented names come back intact */
    EXPECT_NE(text.find(kCamera), std::string::npos) << text;
    EXPECT_NE(text.find(kMonitor), std::string::npos) << text;
    EXPECT_NE(text.find(kPao), std::string::npos) << text;
    EXPECT_NE(text.find("Teclado Mec\xC3\xA2nico ABNT2"), std::string::npos);

    /* footer */
    EXPECT_NE(text.find("Generated by daily_sales_report"), std::string::npos);
    EXPECT_NE(text.find("2025-09-23 06:00:03"), std::string::npos);
    EXPECT_NE(text.find("#42"), std::string::npos);

    /* a day with sales never says it had none */
    EXPECT_EQ(text.find("No sales on this day"), std::string::npos);
}

TEST_F(PdfReport, EmojiIsReplacedVisibly)
{
    DsrReport r = sample_report();
    std::string path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;

    std::string text = pdf_text(path);
    std::string expected = std::string("Caixa Surpresa ") + kReplacement + " Gamer";
    EXPECT_NE(text.find(expected), std::string::npos) << text;
    EXPECT_EQ(text.find("\xF0\x9F\x93\xA6"), std::string::npos);
}

TEST_F(PdfReport, LongNameIsTruncatedWithEllipsis)
{
    DsrReport r = sample_report();
    std::string path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;

    std::string line = line_with(pdf_text(path), "Kit Completo de Ferramentas");
    ASSERT_FALSE(line.empty());
    EXPECT_NE(line.find(kEllipsis), std::string::npos) << line;
    EXPECT_EQ(line.find("Anivers\xC3\xA1rio"), std::string::npos) << line;
    /* the rest of the row is still there: quantity and revenue */
    EXPECT_NE(line.find("1,196.00"), std::string::npos) << line;
}

TEST_F(PdfReport, NameOfSeventyThousandCharactersStillGivesAPage)
{
    /* libharu refuses to measure a string over 64 kB: the name is cut before it is measured */
    DsrReport r = sample_report();
    std::string huge = "Kit " + std::string(70000, 'W');
    std::string accented;
    for (int i = 0; i < 40000; i++)
        accented += "\xC3\xA7";   /* U+00E7, two bytes each */
    r.top[0].name = huge.c_str();
    r.top[1].name = accented.c_str();
    std::string path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;

    std::string line = line_with(pdf_text(path), "Kit WWW");
    ASSERT_FALSE(line.empty());
    EXPECT_NE(line.find(kEllipsis), std::string::npos) << line;
    /* cut between characters, never inside one */
    std::string cut = line_with(pdf_text(path), "\xC3\xA7\xC3\xA7\xC3\xA7");
    ASSERT_FALSE(cut.empty());
    EXPECT_NE(cut.find(std::string("\xC3\xA7") + kEllipsis), std::string::npos) << cut;
}

TEST_F(PdfReport, ChangesAgainstPreviousDayAndWeekBefore)
{
    DsrReport r = sample_report();
    std::string path = dir_ + "/r.pdf";
    ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
    std::string text = pdf_text(path);
    /* revenue 15420.50 vs 13210.40 = +16.7%, vs 16022.75 = -3.8% */
    EXPECT_NE(text.find("\xE2\x96\xB2 +16.7%"), std::string::npos) << text;
    EXPECT_NE(text.find("\xE2\x96\xBC -3.8%"), std::string::npos) << text;
    /* orders 187 vs 164 = +14.0% */
    EXPECT_NE(text.find("+14.0%"), std::string::npos) << text;

    /* previous day without orders: n/a instead of a division by zero */
    r.previous_day = DsrTotals{0, 0, 0.0, "0.00"};
    ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
    text = pdf_text(path);
    EXPECT_NE(text.find("n/a"), std::string::npos) << text;
    EXPECT_EQ(text.find("inf"), std::string::npos);
    EXPECT_EQ(text.find("nan"), std::string::npos);
}

TEST_F(PdfReport, NoSalesDaySaysSo)
{
    DsrReport r = empty_report();
    std::string path = dir_ + "/daily-sales-2025-09-21.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_GT(res.bytes, 0);
    EXPECT_EQ(pdf_pages(path), 1);

    std::string text = pdf_text(path);
    EXPECT_NE(text.find("No sales on this day"), std::string::npos) << text;
    EXPECT_NE(text.find("Daily sales report"), std::string::npos);
    EXPECT_NE(text.find("2025-09-21"), std::string::npos);
    EXPECT_NE(text.find("Sunday"), std::string::npos);
    EXPECT_EQ(text.find("Top"), std::string::npos) << "no empty table expected";
    EXPECT_EQ(text.find("Revenue by hour"), std::string::npos) << "no empty chart expected";
}

TEST_F(PdfReport, HourlyChartWithAllZeroHoursIsFine)
{
    DsrReport r = sample_report();
    for (int h = 0; h < DSR_HOURS; h++)
        r.hourly_revenue[h] = 0.0;
    std::string path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_EQ(pdf_pages(path), 1);
    std::string text = pdf_text(path);
    EXPECT_NE(text.find("Revenue by hour"), std::string::npos);
    EXPECT_NE(text.find("23"), std::string::npos);
}

TEST_F(PdfReport, HourlyChartHasHourAxis)
{
    DsrReport r = sample_report();
    std::string path = dir_ + "/r.pdf";
    ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
    std::string text = pdf_text(path);
    /* the line above the axis caption holds the hour labels 0..23 */
    size_t caption = text.find("Hour of day");
    ASSERT_NE(caption, std::string::npos) << text;
    size_t line_end = text.rfind('\n', caption);
    ASSERT_NE(line_end, std::string::npos);
    size_t line_start = text.rfind('\n', line_end - 1);
    std::istringstream axis(text.substr(line_start + 1, line_end - line_start - 1));
    std::vector<std::string> labels, expected;
    for (std::string tok; axis >> tok;)
        labels.push_back(tok);
    for (int h = 0; h < DSR_HOURS; h++)
        expected.push_back(std::to_string(h));
    EXPECT_EQ(labels, expected) << text;
    /* the busiest hour is named: 19:00 with 1,320.75 */
    EXPECT_NE(text.find("1,320.75"), std::string::npos) << text;
}

TEST_F(PdfReport, MoneyIsFormattedWithThousandsSeparators)
{
    DsrReport r = sample_report();
    r.revenue = 1234567.5;
    r.revenue_text = "1234567.5";
    r.top[0].revenue_text = "-1234.50";   /* a refund-heavy product */
    std::string path = dir_ + "/r.pdf";
    ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
    std::string text = pdf_text(path);
    EXPECT_NE(text.find("1,234,567.50"), std::string::npos) << text;
    EXPECT_NE(text.find("-1,234.50"), std::string::npos) << text;
}

TEST_F(PdfReport, InvalidUtf8AndControlCharactersDoNotBreakThePage)
{
    DsrReport r = sample_report();
    r.top[0].name = "Bad \xFF\xFE bytes";
    r.top[1].name = "Cut \xC3";                 /* truncated sequence */
    r.top[2].name = "Surrogate \xED\xA0\x80 x"; /* UTF-16 surrogate in UTF-8 */
    r.top[3].name = "Tab\there\nnewline";
    r.top[4].name = "\xF0\x9F\x98\x80\xF0\x9F\x98\x80";  /* only emoji */
    r.top[5].name = nullptr;
    r.top[6].name = "";
    r.timezone = "Zone \xF0\x9F\x8C\x8D";
    r.generated_at = nullptr;
    std::string path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_EQ(pdf_pages(path), 1);

    std::string text = pdf_text(path);
    EXPECT_NE(text.find(std::string("Bad ") + kReplacement), std::string::npos) << text;
    EXPECT_NE(text.find(std::string("Cut ") + kReplacement), std::string::npos) << text;
    EXPECT_NE(text.find(std::string("Surrogate ") + kReplacement), std::string::npos);
    EXPECT_NE(text.find("Tab here newline"), std::string::npos) << text;
    EXPECT_NE(text.find(std::string(kReplacement) + kReplacement), std::string::npos);
    EXPECT_NE(text.find(kPao), std::string::npos) << "rows after bad ones still drawn";
}

TEST_F(PdfReport, TwentyProductsFitOnOnePage)
{
    DsrReport r = sample_report();
    r.top_count = DSR_MAX_TOP_N;
    for (int k = 0; k < DSR_MAX_TOP_N; k++)
    {
        r.top[k].name = kLongName;
        r.top[k].quantity = 1000000 + k;
        r.top[k].revenue = 99999999.99;
        r.top[k].revenue_text = "99999999.99";
    }
    std::string path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_EQ(pdf_pages(path), 1);
    std::string text = pdf_text(path);
    EXPECT_NE(line_with(text, "1,000,019").find("99,999,999.99"), std::string::npos) << text;
    EXPECT_NE(text.find("Generated by daily_sales_report"), std::string::npos);
}

TEST_F(PdfReport, SizeDoesNotGrowWithOrderCount)
{
    DsrReport r = sample_report();
    std::string a = dir_ + "/a.pdf", b = dir_ + "/b.pdf";
    DsrPdfResult ra = dsr_pdf_write(&r, kFont, kBoldFont, a.c_str());
    r.orders = 1870000;
    r.items_sold = 4120000;
    DsrPdfResult rb = dsr_pdf_write(&r, kFont, kBoldFont, b.c_str());
    ASSERT_TRUE(ra.ok && rb.ok);
    EXPECT_LT(std::llabs(static_cast<long long>(ra.bytes - rb.bytes)), 1024LL)
        << ra.bytes << " vs " << rb.bytes;
}

TEST_F(PdfReport, RewriteReplacesFileAndLeavesNoTempFile)
{
    std::string path = dir_ + "/daily-sales-2025-09-22.pdf";
    DsrReport r = sample_report();
    ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
    struct stat st1;
    ASSERT_EQ(stat(path.c_str(), &st1), 0);

    r.report_date = "2025-09-23";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    struct stat st2;
    ASSERT_EQ(stat(path.c_str(), &st2), 0);
    EXPECT_NE(st1.st_ino, st2.st_ino) << "a new file renamed over the old one";
    EXPECT_EQ(res.bytes, static_cast<int64_t>(st2.st_size));

    std::string text = pdf_text(path);
    EXPECT_NE(text.find("2025-09-23"), std::string::npos);
    EXPECT_NE(text.find("Tuesday"), std::string::npos);

    EXPECT_EQ(dir_entries(dir_), std::vector<std::string>{"daily-sales-2025-09-22.pdf"});
}

TEST_F(PdfReport, CreatesMissingDirectories)
{
    std::string path = dir_ + "/reports/2025/09/daily.pdf";
    DsrReport r = sample_report();
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    EXPECT_EQ(pdf_pages(path), 1);
    EXPECT_EQ(dir_entries(dir_ + "/reports/2025/09"), std::vector<std::string>{"daily.pdf"});
}

TEST_F(PdfReport, DirectoryUnderARegularFileFails)
{
    std::string blocker = dir_ + "/not-a-dir";
    std::ofstream(blocker) << "plain file\n";
    std::string path = blocker + "/x/report.pdf";
    DsrReport r = sample_report();
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    EXPECT_FALSE(res.ok);
    EXPECT_EQ(res.bytes, 0);
    EXPECT_NE(std::string(res.error).find(blocker + "/x"), std::string::npos) << res.error;
    EXPECT_NE(std::string(res.error).find("Not a directory"), std::string::npos) << res.error;
    EXPECT_EQ(dir_entries(dir_), std::vector<std::string>{"not-a-dir"});

    /* the same under a system file, as in a misconfigured setting */
    res = dsr_pdf_write(&r, kFont, kBoldFont, "/etc/passwd/x/report.pdf");
    EXPECT_FALSE(res.ok);
    EXPECT_NE(std::string(res.error).find("/etc/passwd/x"), std::string::npos) << res.error;
}

TEST_F(PdfReport, UnwritableDirectoryFailsWithoutLeftovers)
{
    if (geteuid() == 0)
        GTEST_SKIP() << "root ignores directory permissions";
    std::string ro = dir_ + "/readonly";
    ASSERT_EQ(mkdir(ro.c_str(), 0555), 0);
    std::string path = ro + "/report.pdf";
    DsrReport r = sample_report();
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    EXPECT_FALSE(res.ok);
    EXPECT_NE(std::string(res.error).find(ro), std::string::npos) << res.error;
    EXPECT_NE(std::string(res.error).find("Permission denied"), std::string::npos) << res.error;
    EXPECT_TRUE(dir_entries(ro).empty());
    chmod(ro.c_str(), 0755);
}

TEST_F(PdfReport, MissingFontFailsNamingTheFont)
{
    std::string font = dir_ + "/no-such-font.ttf";
    std::string path = dir_ + "/r.pdf";
    DsrReport r = sample_report();

    DsrPdfResult res = dsr_pdf_write(&r, font.c_str(), kBoldFont, path.c_str());
    EXPECT_FALSE(res.ok);
    EXPECT_NE(std::string(res.error).find(font), std::string::npos) << res.error;
    EXPECT_NE(std::string(res.error).find("No such file or directory"), std::string::npos)
        << res.error;

    res = dsr_pdf_write(&r, kFont, font.c_str(), path.c_str());
    EXPECT_FALSE(res.ok);
    EXPECT_NE(std::string(res.error).find(font), std::string::npos) << res.error;
    EXPECT_TRUE(dir_entries(dir_).empty());
}

TEST_F(PdfReport, FileThatIsNotAFontFails)
{
    std::string font = dir_ + "/fake.ttf";
    std::ofstream(font) << "this is not a TrueType font, just some text\n";
    std::string path = dir_ + "/r.pdf";
    DsrReport r = sample_report();
    DsrPdfResult res = dsr_pdf_write(&r, font.c_str(), kBoldFont, path.c_str());
    EXPECT_FALSE(res.ok);
    EXPECT_NE(std::string(res.error).find(font), std::string::npos) << res.error;
    EXPECT_FALSE(fs::exists(path));
}

TEST_F(PdfReport, FailedRewriteKeepsThePreviousFile)
{
    std::string path = dir_ + "/daily.pdf";
    DsrReport r = sample_report();
    ASSERT_TRUE(dsr_pdf_write(&r, kFont, kBoldFont, path.c_str()).ok);
    std::string before = read_file(path);

    DsrPdfResult res = dsr_pdf_write(&r, "/nonexistent/font.ttf", kBoldFont, path.c_str());
    EXPECT_FALSE(res.ok);
    EXPECT_EQ(read_file(path), before);
    EXPECT_EQ(dir_entries(dir_), std::vector<std::string>{"daily.pdf"});
}

TEST_F(PdfReport, NullArgumentsFailCleanly)
{
    DsrReport r = sample_report();
    std::string path = dir_ + "/r.pdf";
    EXPECT_FALSE(dsr_pdf_write(nullptr, kFont, kBoldFont, path.c_str()).ok);
    EXPECT_FALSE(dsr_pdf_write(&r, nullptr, kBoldFont, path.c_str()).ok);
    EXPECT_FALSE(dsr_pdf_write(&r, kFont, nullptr, path.c_str()).ok);
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, nullptr);
    EXPECT_FALSE(res.ok);
    EXPECT_STRNE(res.error, "");
    EXPECT_TRUE(dir_entries(dir_).empty());
}

TEST_F(PdfReport, NullTextFieldsStillGiveAPage)
{
    DsrReport r = sample_report();
    r.report_date = nullptr;
    r.timezone = nullptr;
    r.revenue_text = nullptr;      /* falls back to the double */
    r.avg_ticket_text = nullptr;
    r.generated_at = nullptr;
    for (int k = 0; k < r.top_count; k++)
        r.top[k].revenue_text = nullptr;
    std::string path = dir_ + "/r.pdf";
    DsrPdfResult res = dsr_pdf_write(&r, kFont, kBoldFont, path.c_str());
    ASSERT_TRUE(res.ok) << res.error;
    std::string text = pdf_text(path);
    EXPECT_NE(text.find("15,420.50"), std::string::npos) << text;
    EXPECT_NE(text.find("3,449.70"), std::string::npos) << text;
}

}   // namespace
