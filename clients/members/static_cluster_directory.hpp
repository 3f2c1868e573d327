#pragma once
// A ClusterDirectory read from a YAML file (--members-config), re-read when the file's content changes.
//
//   members:
//     - name: member1
//       endpoint: https://10.0.0.1:6443
//       mode: apiserver                # or adapter (default apiserver)
//       caFile: /etc/fedmetrics/member1-ca.crt      # or caData: PEM text / base64 of PEM
//       tokenFile: /etc/fedmetrics/member1-token    # or token: "..."
//       clientCertFile: ...  clientKeyFile: ...     # or clientCertData / clientKeyData
//       insecureSkipTLSVerify: false
//       tlsServerName: kubernetes.default.svc
//       proxyURL: http://proxy:3128
//       proxyHeader: {Proxy-Authorization: "Basic ..."}
//
// Relative file paths are resolved against the directory of the config file.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "clients/base/net.hpp"
#include "clients/base/result.hpp"
#include "clients/members/cluster_directory.hpp"

namespace fedmetrics::members {

/// Parses the YAML text of a members file. `source` names the file in messages; relative paths are made
/// absolute against `base_dir` (unchanged when empty). Every problem is reported, one per line, as
/// "<source>: members[2].endpoint: must start with https:// or http://".
/// Errors: InvalidArgument (bad YAML, unknown or missing field, wrong type, duplicate name, conflicting
/// fields such as caFile with caData or insecureSkipTLSVerify with a CA).
[[nodiscard]] Result<MemberList> parse_members_yaml(std::string_view yaml, std::string_view source,
                                                    const std::filesystem::path& base_dir = {});

/// File-backed directory. Thread-safe (see ClusterDirectory). Reloads are serialised on one strand.
class StaticClusterDirectory final : public ClusterDirectory {
 public:
  /// Reads and parses `path` now. Throws std::runtime_error with every problem (a startup config error).
  explicit StaticClusterDirectory(std::filesystem::path path);
  /// A fixed member set with no file (tests, single-member setups). reload() is a no-op.
  explicit StaticClusterDirectory(MemberList members);
  ~StaticClusterDirectory() override;

  // ClusterDirectory
  std::shared_ptr<const MemberList> snapshot() const override;
  std::uint64_t generation() const override;

  /// Re-reads the file. Unchanged content → false; a valid new set → true (generation incremented, change
  /// logged); an unreadable or invalid file → the error, and the previous set stays in place (logged).
  /// Blocking file I/O (a small file); call from the poll loop or a test.
  Result<bool> reload();

  /// Polls the file every `interval` on a strand of `executor` until stop() or destruction.
  void start_polling(net::any_io_executor executor, std::chrono::milliseconds interval);
  /// Stops polling; the poll coroutine exits at its next wake-up. Idempotent.
  void stop();

  struct State;  ///< implementation detail (static_cluster_directory.cpp)

 private:
  static net::awaitable<void> poll_loop(std::shared_ptr<State> state, std::chrono::milliseconds interval);
  std::shared_ptr<State> state_;
};

}  // namespace fedmetrics::members
