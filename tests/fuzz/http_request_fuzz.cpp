// libFuzzer target: reading HTTP/1.1 requests the way server/http/https_server.cpp does
// (beast::http::request_parser<empty_body>, the header only, header_limit 64 KiB, then request_framing:
// a request that announces a body ends the connection, its body is never read; a flat_buffer kept across
// keep-alive requests), fed from the fuzz input through an in-memory SyncReadStream in small reads, then
// the server's conversion to http::Request (Headers) and http::parse_target.
// No sockets, no TLS, no coroutines.
//
// Built with BOOST_ENABLE_ASSERT_HANDLER (CMakeLists.txt): Beast 1.81's basic_parser asserts `n >= 5` in
// parse_chunk_header when the last-chunk line and the trailer arrive in separate reads; the assertion is
// wrong and the code after it handles the case (boostorg/beast#2861, fixed upstream in 2024), and product
// builds define NDEBUG. That one assertion is ignored here; every other BOOST_ASSERT aborts.
// Regression seed: corpus/http_request/beast-last-chunk-split-assert.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>

#include "server/http/message.hpp"
#include "server/http/router.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace bhttp = boost::beast::http;
using namespace fedmetrics;

namespace {

// The server's defaults (server/http/https_server.hpp ServerLimits).
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

// Hands out the input in reads of `chunk` bytes, then end of file (the peer closed the connection).
class InputStream {
 public:
  InputStream(const std::uint8_t* data, std::size_t size, std::size_t chunk) : data_(data), size_(size), chunk_(chunk) {}

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    if (pos_ == size_) {
      ec = boost::asio::error::eof;
      return 0;
    }
    ec = {};
    const std::size_t n =
        boost::asio::buffer_copy(buffers, boost::asio::buffer(data_ + pos_, std::min(chunk_, size_ - pos_)));
    pos_ += n;
    return n;
  }

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t chunk_;
  std::size_t pos_ = 0;
};

// https_server.cpp to_request (file-local there).
http::Request to_request(const bhttp::request<bhttp::empty_body>& req) {
  http::Request out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  for (const auto& field : req) out.headers.add(field.name_string(), field.value());
  return out;
}

}  // namespace

namespace boost {

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file, long line) {
  const std::string_view f(file);
  if (std::string_view(expr) == "n >= 5" && f.ends_with("http/impl/basic_parser.ipp")) {
    return;  // boostorg/beast#2861: see the top of this file
  }
  std::fprintf(stderr, "BOOST_ASSERT failed: %s (%s) in %s at %s:%ld\n", expr, msg ? msg : "", function, file, line);
  std::abort();
}

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  assertion_failed_msg(expr, nullptr, function, file, line);
}

}  // namespace boost

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Vary the read size with the input so both one-byte dribbles and whole-buffer reads get parsed.
  const std::size_t chunk = size == 0 ? 1 : (data[0] & 1) ? 4096 : 1 + size % 61;
  InputStream stream(data, size, chunk);
  boost::beast::flat_buffer buffer;
  for (int requests = 0; requests < 64; ++requests) {
    bhttp::request_parser<bhttp::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
    boost::system::error_code ec;
    const std::size_t before = buffer.size();
    bhttp::read_header(stream, buffer, parser, ec);
    if (ec) break;  // rejected (400/431) or the connection ended: the server closes it

    FUZZ_CHECK(parser.is_header_done(), "read_header returned without a complete header");
    FUZZ_CHECK(buffer.size() <= before + kMaxHeaderBytes + 65536, "read far beyond the header");
    const auto& req = parser.get();
    const auto declared = parser.content_length();
    const auto framing = http::request_framing(req.method_string(), declared ? std::optional(*declared) : std::nullopt,
                                               parser.chunked(), kMaxBodyBytes);
    const bool has_body = parser.chunked() || parser.content_length().value_or(0) > 0;
    FUZZ_CHECK(framing.close_after == has_body, "a body must end the connection, and only a body");
    if (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head) {
      FUZZ_CHECK(!has_body || framing.reject_status == 400, "GET/HEAD with a body not rejected");
    }
    const http::Request request = to_request(req);
    std::size_t fields = 0;
    for (const auto& field : req) {
      ++fields;
      const auto first = request.headers.get(field.name_string());
      FUZZ_CHECK(first.has_value(), "header lost in conversion: " + std::string(field.name_string()));
    }
    FUZZ_CHECK(request.headers.entries().size() == fields, "header count changed in conversion");

    const auto target = http::parse_target(request.target);
    if (target) {
      (void)target->param("labelSelector");
    }
    if (framing.close_after || !req.keep_alive()) break;
  }
  return 0;
}
