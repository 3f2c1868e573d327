#pragma once
// Starts tests/integration/fake_member.py as a child process on 127.0.0.1:0 and reads back its port and
// generated certificate. Killed by PID in the destructor. Used by the few loopback tests of transport and
// members (STYLE.md §9: one small real-socket test per client).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef FEDMETRICS_SOURCE_DIR
#error "FEDMETRICS_SOURCE_DIR must point at the repository root"
#endif

namespace fedmetrics::test {

class FakeMemberProcess {
 public:
  /// `args` are fake_member.py options (e.g. {"--status", "500"}). `fixtures_json` is written to a temp file
  /// and passed as --fixtures when non-empty.
  explicit FakeMemberProcess(std::vector<std::string> args, const std::string& fixtures_json = "") {
    dir_ = std::filesystem::temp_directory_path() /
           ("fedmetrics-fake-member-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(dir_);
    // The system interpreter directly: a pyenv shim adds ~1.5 s per start.
    const std::string python = std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    std::vector<std::string> argv = {python, std::string(FEDMETRICS_SOURCE_DIR) + "/tests/integration/fake_member.py",
                                     "--cert-dir", dir_.string()};
    if (!fixtures_json.empty()) {
      const auto path = dir_ / "fixtures.json";
      std::ofstream(path) << fixtures_json;
      argv.push_back("--fixtures");
      argv.push_back(path.string());
    }
    argv.insert(argv.end(), args.begin(), args.end());

    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      const int devnull = ::open("/dev/null", O_WRONLY);
      if (devnull >= 0) ::dup2(devnull, 2);
      std::vector<char*> cargv;
      for (auto& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      ::execvp(cargv[0], cargv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    fd_ = out[0];
    read_banner();
  }

  ~FakeMemberProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FakeMemberProcess(const FakeMemberProcess&) = delete;
  FakeMemberProcess& operator=(const FakeMemberProcess&) = delete;

  std::uint16_t port() const { return port_; }
  /// PEM file of the generated self-signed certificate (SANs 127.0.0.1 and localhost); "" for plain HTTP.
  const std::string& cert_file() const { return cert_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }

  void read_banner() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::string buf;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char chunk[512];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n <= 0) break;
      buf.append(chunk, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = buf.find('\n')) != std::string::npos) {
        const std::string line = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        if (line.rfind("cert ", 0) == 0) cert_ = line.substr(5);
        if (line.rfind("listening on 127.0.0.1:", 0) == 0) {
          port_ = static_cast<std::uint16_t>(std::stoi(line.substr(23)));
          return;
        }
      }
    }
    throw std::runtime_error("fake_member.py did not report its port");
  }

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::string cert_;
};

}  // namespace fedmetrics::test
