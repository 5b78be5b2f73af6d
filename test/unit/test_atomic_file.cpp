/*
 * test_atomic_file.cpp — the report file appears whole or not at all: what is
 * on disk afterwards, what the directory holds, and what the errors say.
 */
#include "core/atomic_file.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace
{

using dsr::AtomicFileError;
using dsr::write_file_atomically;

std::vector<unsigned char>
bytes(const std::string &s)
{
    return std::vector<unsigned char>(s.begin(), s.end());
}

std::string
contents(const std::string &path)
{
    std::ifstream     in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string>
entries(const std::string &dir)
{
    std::vector<std::string> names;
    for (const auto &e : fs::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    return names;
}

/* The message of the AtomicFileError `write` throws ("" if none). */
std::string
error_of(const std::string &path, const std::string &data = "x")
{
    try
    {
        write_file_atomically(path, bytes(data));
    }
    catch (const AtomicFileError &e)
    {
        return e.what();
    }
    return "";
}

class AtomicFile : public ::testing::Test
{
protected:
    void
    SetUp() override
    {
        char tmpl[] = "/tmp/atomic_file_test.XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void
    TearDown() override
    {
        std::error_code ec;
        fs::permissions(dir_ + "/readonly", fs::perms::owner_all, ec);
        fs::remove_all(dir_, ec);
    }

    std::string dir_;
};

TEST_F(AtomicFile, WritesTheDataAndReturnsItsSize)
{
    std::string path = dir_ + "/report.pdf";
    EXPECT_EQ(write_file_atomically(path, bytes("%PDF-1.3 hello")), 14);
    EXPECT_EQ(contents(path), "%PDF-1.3 hello");
    EXPECT_EQ(entries(dir_), std::vector<std::string>{"report.pdf"});

    EXPECT_EQ(write_file_atomically(dir_ + "/empty.pdf", {}), 0);
    EXPECT_EQ(fs::file_size(dir_ + "/empty.pdf"), 0u);
}

TEST_F(AtomicFile, RewriteRenamesANewFileOverTheOld)
{
    std::string path = dir_ + "/report.pdf";
    write_file_atomically(path, bytes("old"));
    struct stat st1;
    ASSERT_EQ(stat(path.c_str(), &st1), 0);

    EXPECT_EQ(write_file_atomically(path, bytes("newer")), 5);
    struct stat st2;
    ASSERT_EQ(stat(path.c_str(), &st2), 0);
    EXPECT_NE(st1.st_ino, st2.st_ino);
    EXPECT_EQ(contents(path), "newer");
    EXPECT_EQ(entries(dir_), std::vector<std::string>{"report.pdf"}) << "no temporary file left";
}

TEST_F(AtomicFile, CreatesMissingDirectories)
{
    std::string path = dir_ + "/reports/2025//09/daily.pdf";
    write_file_atomically(path, bytes("x"));
    EXPECT_EQ(entries(dir_ + "/reports/2025/09"), std::vector<std::string>{"daily.pdf"});
}

TEST_F(AtomicFile, PathWithoutFileNameFails)
{
    EXPECT_EQ(error_of(""), "no report file path given");
    std::string msg = error_of(dir_ + "/");
    EXPECT_NE(msg.find("invalid report file path \"" + dir_ + "/\": no file name"), std::string::npos) << msg;
    EXPECT_NE(error_of(dir_ + "/..").find("no file name"), std::string::npos);
    EXPECT_TRUE(entries(dir_).empty());
}

TEST_F(AtomicFile, DirectoryUnderARegularFileFails)
{
    std::string blocker = dir_ + "/not-a-dir";
    std::ofstream(blocker) << "plain file\n";
    std::string msg = error_of(blocker + "/x/report.pdf");
    EXPECT_EQ(msg, "could not create report directory \"" + blocker + "/x\": Not a directory");
    EXPECT_EQ(entries(dir_), std::vector<std::string>{"not-a-dir"});

    msg = error_of(blocker + "/report.pdf");
    EXPECT_EQ(msg, "could not create report directory \"" + blocker + "\": Not a directory");
}

TEST_F(AtomicFile, UnwritableDirectoryKeepsThePreviousFile)
{
    if (geteuid() == 0)
        GTEST_SKIP() << "root ignores directory permissions";
    std::string ro = dir_ + "/readonly";
    std::string path = ro + "/report.pdf";
    ASSERT_EQ(mkdir(ro.c_str(), 0755), 0);
    write_file_atomically(path, bytes("previous"));
    ASSERT_EQ(chmod(ro.c_str(), 0555), 0);

    std::string msg = error_of(path, "next");
    EXPECT_NE(msg.find("could not create temporary report file \"" + ro + "/.report.pdf.tmp."), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("Permission denied"), std::string::npos) << msg;
    EXPECT_EQ(contents(path), "previous");
    EXPECT_EQ(entries(ro), std::vector<std::string>{"report.pdf"});
}

} // namespace
