#pragma once
// A TCP socket with an optional TLS session driven by OpenSSL directly: the least there is between a coroutine
// and the kernel (issue #18).
//
// Why not asio::ssl::stream: each asio stream keeps two 17 KiB staging vectors plus a 2 x 17 KiB BIO pair
// through which every byte is copied again, and OpenSSL's own record buffers come on top: ~100 KiB per
// connection whether busy or idle, and a state machine per operation. A pooled connection to each of 1,000
// members (more under concurrent requests) was most of fedmetrics' memory (scripts/bench scenario c). Here
// OpenSSL's BIO is a thin view of two staging strings of this object: ciphertext is read into `in_` by Asio's
// own socket read and written from `out_` by Asio's own socket write (both speculative: a read or write that
// can complete at once costs one syscall, and readiness is never waited for outside Asio's reactor, where it
// could be missed). An idle connection drops both staging strings and, with release_buffers, OpenSSL's record
// buffers: it costs its SSL object and session only.
//
// Not thread-safe: one coroutine at a time uses a TlsSocket, and it must run on a strand (or a single
// thread) together with anything that cancels the socket. Errors: net/system codes; TLS failures in
// net::error::get_ssl_category() (the OpenSSL error, as asio reports them); end of stream without a TLS
// close_notify is net::ssl::error::stream_truncated, a clean close is net::error::eof.
// Include from transport/http .cpp files only (it pulls in Asio's socket and Beast's parser headers).
#include <openssl/ssl.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "clients/base/net.hpp"

namespace fedmetrics::transport {

class TlsSocket {
 public:
  using error_code = boost::system::error_code;

  /// `ctx` null: plain TCP. The SSL object is created by prepare_tls().
  TlsSocket(net::any_io_executor executor, SSL_CTX* ctx);
  /// Over an accepted (connected) socket.
  TlsSocket(net::ip::tcp::socket socket, SSL_CTX* ctx);
  ~TlsSocket();
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  net::ip::tcp::socket& socket() { return socket_; }
  bool is_tls() const { return ctx_ != nullptr; }
  /// The SSL object, or null before the handshake (for SNI, host checks and verify results).
  SSL* native_handle() { return ssl_; }
  /// Creates the SSL object on the connected socket, so that the caller can set SNI and verification.
  /// `release_buffers`: OpenSSL frees its record buffers whenever nothing is pending (SSL_MODE_RELEASE_BUFFERS):
  /// an idle connection then costs its SSL object and session only, for an allocation per record. For pools of
  /// many mostly idle connections (members), not for the server's few busy ones.
  error_code prepare_tls(bool release_buffers);

  /// TLS handshake as client or server (prepare_tls first). No-op for plain sockets.
  net::awaitable<error_code> handshake(bool server);
  /// Reads what is available, at least one byte; 0 bytes only with an error.
  net::awaitable<std::pair<error_code, std::size_t>> read_some(net::mutable_buffer buffer);
  /// Writes the whole buffer.
  net::awaitable<error_code> write(net::const_buffer buffer);
  /// Sends close_notify (TLS), best effort, then closes the socket.
  net::awaitable<void> shutdown();
  void close();
  /// Frees the staging buffers (an idle pooled connection).
  void release_staging();

  /// Reads one HTTP message into `parser` (or only its header with `header_only`), bytes already in `buffer`
  /// first, at most `chunk` bytes per read; leftover bytes stay in `buffer` (a flat buffer of any allocator).
  /// Errors: the stream's; boost::beast::http::error codes for malformed or over-limit input;
  /// http::error::end_of_stream when the peer closed before any byte, partial_message when it closed mid-way;
  /// http::error::buffer_overflow when the buffer's allocator refused to grow (std::length_error).
  template <class DynamicBuffer, bool isRequest>
  net::awaitable<error_code> read_message(DynamicBuffer& buffer, boost::beast::http::basic_parser<isRequest>& parser,
                                          bool header_only = false, std::size_t chunk = 16 * 1024);

 private:
  friend struct TlsSocketBio;
  error_code last_error(int ret);
  // What OpenSSL asked for (SSL_ERROR_WANT_READ/WRITE): flush `out_`, and for a read, refill `in_`.
  net::awaitable<error_code> service(int want);
  net::awaitable<error_code> flush();

  net::ip::tcp::socket socket_;
  SSL_CTX* ctx_;
  SSL* ssl_ = nullptr;
  std::unique_ptr<char[]> in_;  // ciphertext received: [in_pos_, in_len_) not yet consumed by OpenSSL
  std::size_t in_pos_ = 0;
  std::size_t in_len_ = 0;
  std::string out_;        // ciphertext produced by OpenSSL, not yet sent
  bool more_expected_ = false;  // the last socket read filled in_: more is probably waiting
};

template <class DynamicBuffer, bool isRequest>
net::awaitable<TlsSocket::error_code> TlsSocket::read_message(DynamicBuffer& buffer,
                                                              boost::beast::http::basic_parser<isRequest>& parser,
                                                              bool header_only, std::size_t chunk) {
  namespace bhttp = boost::beast::http;
  const auto done = [&] { return header_only ? parser.is_header_done() : parser.is_done(); };
  for (;;) {
    if (buffer.size() > 0) {
      error_code ec;
      const std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (done()) co_return error_code{};
      if (ec && ec != bhttp::error::need_more) co_return ec;
    }
    net::mutable_buffer space;
    try {
      space = buffer.prepare(chunk);
    } catch (const std::length_error&) {
      co_return bhttp::error::buffer_overflow;
    }
    auto [ec, n] = co_await read_some(space);
    if (ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
      if (!parser.got_some()) co_return bhttp::error::end_of_stream;
      if (parser.is_header_done() && !header_only) {
        error_code eof_ec;
        parser.put_eof(eof_ec);  // a body delimited by the end of the connection
        if (!eof_ec && parser.is_done()) co_return error_code{};
      }
      co_return bhttp::error::partial_message;
    }
    if (ec) co_return ec;
    buffer.commit(n);
  }
}

}  // namespace fedmetrics::transport
