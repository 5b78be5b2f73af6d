/*
 * atomic_file.cpp — mkdir -p, temporary file, fsync, rename, fsync directory.
 * The messages say "report" because the report PDF is what this writes.
 */
#include "pure_cpp.h" /* first: no PostgreSQL header in src/core/ */

#include "atomic_file.h"

#include "strprintf.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace dsr
{

namespace
{

[[noreturn]] void
fail_errno(const std::string &what, int err)
{
    throw AtomicFileError(what + ": " + std::strerror(err));
}

/* mkdir -p */
void
make_dirs(const std::string &dir)
{
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0)
    {
        if (!S_ISDIR(st.st_mode))
            fail_errno(strprintf("could not create report directory \"%s\"", dir.c_str()), ENOTDIR);
        return;
    }

    size_t pos = 0;
    while (pos != std::string::npos)
    {
        pos = dir.find('/', pos + 1);
        std::string prefix = dir.substr(0, pos);
        if (prefix.empty() || prefix.back() == '/')
            continue;
        if (::mkdir(prefix.c_str(), 0777) == 0)
            continue;
        int err = errno;
        if (err == EEXIST)
        {
            if (::stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
                continue;
            err = ENOTDIR;
        }
        fail_errno(strprintf("could not create report directory \"%s\"", dir.c_str()), err);
    }
}

/* Closes the fd and removes the temporary file unless committed. */
class TempFile
{
public:
    explicit TempFile(std::string path) : path_(std::move(path))
    {
    }
    ~TempFile()
    {
        if (fd_ >= 0)
            ::close(fd_);
        if (!committed_)
            ::unlink(path_.c_str());
    }
    TempFile(const TempFile &) = delete;
    TempFile &operator=(const TempFile &) = delete;

    void
    open()
    {
        ::unlink(path_.c_str()); /* a leftover of a crashed run with our pid */
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd_ < 0)
            fail_errno(strprintf("could not create temporary report file \"%s\"", path_.c_str()), errno);
    }

    void
    write_all(const std::vector<unsigned char> &data)
    {
        size_t done = 0;
        while (done < data.size())
        {
            ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
            if (n < 0)
            {
                if (errno == EINTR)
                    continue;
                fail_errno(strprintf("could not write report file \"%s\"", path_.c_str()), errno);
            }
            if (n == 0)
                fail_errno(strprintf("could not write report file \"%s\"", path_.c_str()), ENOSPC);
            done += static_cast<size_t>(n);
        }
    }

    int64_t
    sync_and_close()
    {
        if (::fsync(fd_) != 0)
            fail_errno(strprintf("could not fsync report file \"%s\"", path_.c_str()), errno);
        struct stat st;
        if (::fstat(fd_, &st) != 0)
            fail_errno(strprintf("could not stat report file \"%s\"", path_.c_str()), errno);
        int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0)
            fail_errno(strprintf("could not close report file \"%s\"", path_.c_str()), errno);
        return static_cast<int64_t>(st.st_size);
    }

    void
    commit()
    {
        committed_ = true;
    }
    const std::string &
    path() const
    {
        return path_;
    }

private:
    std::string path_;
    int         fd_ = -1;
    bool        committed_ = false;
};

void
fsync_dir(const std::string &dir)
{
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
    {
        if (errno == EACCES) /* as PostgreSQL does: not fatal for a directory */
            return;
        fail_errno(strprintf("could not open report directory \"%s\"", dir.c_str()), errno);
    }
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0 && err != EBADF && err != EINVAL)
        fail_errno(strprintf("could not fsync report directory \"%s\"", dir.c_str()), err);
}

} /* namespace */

int64_t
write_file_atomically(const std::string &final_path, const std::vector<unsigned char> &data)
{
    if (final_path.empty())
        throw AtomicFileError("no report file path given");

    size_t      slash = final_path.find_last_of('/');
    std::string dir = slash == std::string::npos ? "." : final_path.substr(0, slash);
    std::string base = slash == std::string::npos ? final_path : final_path.substr(slash + 1);
    if (dir.empty())
        dir = "/";
    if (base.empty() || base == "." || base == "..")
        throw AtomicFileError(strprintf("invalid report file path \"%s\": no file name", final_path.c_str()));
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();

    make_dirs(dir);

    TempFile tmp((dir == "/" ? "" : dir) + "/." + base + ".tmp." + std::to_string(static_cast<long>(::getpid())));
    tmp.open();
    tmp.write_all(data);
    int64_t bytes = tmp.sync_and_close();

    if (::rename(tmp.path().c_str(), final_path.c_str()) != 0)
        fail_errno(strprintf("could not rename \"%s\" to \"%s\"", tmp.path().c_str(), final_path.c_str()), errno);
    tmp.commit();
    fsync_dir(dir);
    return bytes;
}

} /* namespace dsr */
