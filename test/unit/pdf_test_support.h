/*
 * pdf_test_support.h — what the PDF tests share: the fonts, running
 * poppler's tools, and a fixture that skips when fonts or poppler-utils are
 * missing and gives each test a directory of its own.
 */
#ifndef DSR_TEST_PDF_TEST_SUPPORT_H
#define DSR_TEST_PDF_TEST_SUPPORT_H

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

const char *const kFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const char *const kBoldFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

/* standard output of a shell command */
inline std::string
run(const std::string &cmd)
{
    std::string out;
    FILE       *p = popen(cmd.c_str(), "r");
    if (!p)
        return out;
    char   buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    pclose(p);
    return out;
}

/* `s` as one shell word */
inline std::string
quote(const std::string &s)
{
    std::string q = "'";
    for (char c : s)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

inline std::string
pdf_text(const std::string &path)
{
    return run("pdftotext -layout -enc UTF-8 " + quote(path) + " - 2>/dev/null");
}

/* A test with the DejaVu fonts, poppler-utils and a temporary directory dir_. */
class PdfTestWithDir : public ::testing::Test
{
protected:
    void
    SetUp() override
    {
        if (access(kFont, R_OK) != 0 || access(kBoldFont, R_OK) != 0)
            GTEST_SKIP() << "DejaVu fonts not installed (fonts-dejavu-core)";
        if (run("command -v pdftotext && command -v pdfinfo").find("pdfinfo") == std::string::npos)
            GTEST_SKIP() << "poppler-utils not installed";
        char tmpl[] = "/tmp/pdf_test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void
    TearDown() override
    {
        if (!dir_.empty())
        {
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
        }
    }

    std::string dir_;
};

#endif /* DSR_TEST_PDF_TEST_SUPPORT_H */
