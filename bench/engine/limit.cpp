// The floor for `sluice-engine filter` on one core: FFTW r2c + c2r of the same rows in memory, plus a
// plain sequential read of the input's bytes and a write (+ fsync) of as many bytes. Prints seconds
// for each part as JSON.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fftw3.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double sequential_read(const char* path, std::size_t& bytes) {
    const double t0 = now_s();
    const int fd = ::open(path, O_RDONLY);
    std::vector<char> buf(1 << 22);
    bytes = 0;
    for (ssize_t n; (n = ::read(fd, buf.data(), buf.size())) > 0;)
        bytes += static_cast<std::size_t>(n);
    ::close(fd);
    return now_s() - t0;
}

double sequential_write(const char* path, std::size_t bytes) {
    const double t0 = now_s();
    const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char> buf(1 << 22, 1);
    for (std::size_t left = bytes; left > 0;) {
        const auto n = ::write(fd, buf.data(), std::min(left, buf.size()));
        if (n <= 0) break;
        left -= static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    ::unlink(path);
    return now_s() - t0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: bench_limit INPUT.h5 ROWS POINTS SCRATCH_FILE\n");
        return 2;
    }
    const std::size_t rows = std::strtoull(argv[2], nullptr, 10), n = std::strtoull(argv[3], nullptr, 10);
    std::size_t bytes = 0;
    const double read_s = sequential_read(argv[1], bytes);

    double* x = fftw_alloc_real(n);
    fftw_complex* spec = fftw_alloc_complex(n / 2 + 1);
    fftw_plan fwd = fftw_plan_dft_r2c_1d(static_cast<int>(n), x, spec, FFTW_ESTIMATE);
    fftw_plan inv = fftw_plan_dft_c2r_1d(static_cast<int>(n), spec, x, FFTW_ESTIMATE);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = static_cast<double>((i * 7919) % 1000) * 1e-3;
    const double t0 = now_s();
    for (std::size_t r = 0; r < rows; ++r) {
        fftw_execute(fwd);
        fftw_execute(inv);
    }
    const double fft_s = now_s() - t0;
    fftw_destroy_plan(fwd);
    fftw_destroy_plan(inv);
    fftw_free(x);
    fftw_free(spec);

    const double write_s = sequential_write(argv[4], rows * n * sizeof(float));
    std::printf("{\"read_s\": %.4f, \"fft_s\": %.4f, \"write_s\": %.4f, \"total_s\": %.4f, \"bytes\": %zu}\n",
                read_s, fft_s, write_s, read_s + fft_s + write_s, bytes);
    return 0;
}
