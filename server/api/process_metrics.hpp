#pragma once
// process_* metrics with the Go client's names and meaning (client_golang's process collector), so the
// dashboards and alerts written for Kubernetes components work unchanged:
//   process_cpu_seconds_total        counter  user + system CPU time
//   process_resident_memory_bytes    gauge    resident set size
//   process_virtual_memory_bytes     gauge    virtual memory size
//   process_open_fds                 gauge    open file descriptors
//   process_max_fds                  gauge    the soft limit on open file descriptors
//   process_start_time_seconds       gauge    start time, seconds since the epoch
//   process_threads                  gauge    OS threads (client_golang has go_threads; this is ours)
// Read from /proc at scrape time (Linux only), so the values are never stale.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace prometheus {
struct MetricFamily;
}

namespace fedmetrics::api {

struct ProcessStats {
  double cpu_seconds = 0;
  double resident_memory_bytes = 0;
  double virtual_memory_bytes = 0;
  double start_time_seconds = 0;
  double threads = 0;
  std::optional<double> open_fds;  ///< unset when /proc/self/fd cannot be read
  std::optional<double> max_fds;   ///< unset when the limit is unlimited or unreadable
  bool operator==(const ProcessStats&) const = default;
};

/// Parses /proc/<pid>/stat (proc(5)): utime+stime (field 14, 15) in clock ticks, num_threads (20),
/// starttime (22) in ticks after boot, vsize (23) in bytes, rss (24) in pages. `boot_time_seconds` is
/// /proc/stat's btime. Returns nullopt for text that is not a stat line. Pure.
std::optional<ProcessStats> parse_proc_stat(std::string_view stat, double ticks_per_second, double page_size,
                                            double boot_time_seconds);

/// The soft "Max open files" limit of /proc/<pid>/limits, nullopt for "unlimited" or unparseable text. Pure.
std::optional<double> parse_max_open_files(std::string_view limits);

/// The families above for this process, read now. Families whose source cannot be read are left out.
std::vector<prometheus::MetricFamily> collect_process_metrics();

}  // namespace fedmetrics::api
