#include "clients/transport/tls_socket.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>

namespace fedmetrics::transport {

using boost::system::error_code;

namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);
// One TLS record is at most 16 KiB of plaintext plus its header, padding and tag.
constexpr std::size_t kRecordBytes = 16 * 1024 + 512;
// Ciphertext gathered before it is sent: a large answer goes out in sends of this size, not in one piece.
constexpr std::size_t kOutLimit = 64 * 1024;

}  // namespace

// OpenSSL's view of a TlsSocket: reads take from in_, writes append to out_; when in_ is empty or out_ is
// full the call asks OpenSSL to retry, and TlsSocket::service() does the socket I/O.
struct TlsSocketBio {
  static TlsSocket& self(BIO* b) { return *static_cast<TlsSocket*>(BIO_get_data(b)); }

  static int write(BIO* b, const char* data, int len) {
    BIO_clear_retry_flags(b);
    auto& s = self(b);
    if (s.out_.size() >= kOutLimit) {
      BIO_set_retry_write(b);
      return -1;
    }
    s.out_.append(data, static_cast<std::size_t>(len));
    return len;
  }

  static int read(BIO* b, char* data, int len) {
    BIO_clear_retry_flags(b);
    auto& s = self(b);
    const std::size_t avail = s.in_len_ - s.in_pos_;
    if (avail == 0) {
      BIO_set_retry_read(b);
      return -1;
    }
    const std::size_t n = std::min(avail, static_cast<std::size_t>(len));
    std::memcpy(data, s.in_.get() + s.in_pos_, n);
    s.in_pos_ += n;
    return static_cast<int>(n);
  }

  static int puts(BIO* b, const char* str) { return write(b, str, static_cast<int>(std::strlen(str))); }

  static long ctrl(BIO*, int cmd, long, void*) {
    switch (cmd) {
      case BIO_CTRL_FLUSH:  // out_ is sent by service(); nothing is held back here
      case BIO_CTRL_DUP:
        return 1;
      default:
        return 0;
    }
  }

  static int create(BIO* b) {
    BIO_set_init(b, 1);
    return 1;
  }

  static const BIO_METHOD* method() {
    static BIO_METHOD* m = [] {
      BIO_METHOD* bm = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "fedmetrics tls socket");
      BIO_meth_set_write(bm, write);
      BIO_meth_set_read(bm, read);
      BIO_meth_set_puts(bm, puts);
      BIO_meth_set_ctrl(bm, ctrl);
      BIO_meth_set_create(bm, create);
      return bm;
    }();
    return m;
  }
};

TlsSocket::TlsSocket(net::any_io_executor executor, SSL_CTX* ctx) : socket_(std::move(executor)), ctx_(ctx) {}
TlsSocket::TlsSocket(net::ip::tcp::socket socket, SSL_CTX* ctx) : socket_(std::move(socket)), ctx_(ctx) {}

TlsSocket::~TlsSocket() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

error_code TlsSocket::prepare_tls(bool release_buffers) {
  // Non-blocking at Asio's level too: flush() and service() try a synchronous read or write first.
  error_code ec;
  socket_.non_blocking(true, ec);
  if (ec || ctx_ == nullptr) return ec;
  ssl_ = SSL_new(ctx_);
  if (ssl_ == nullptr) return error_code(static_cast<int>(ERR_get_error()), net::error::get_ssl_category());
  // Partial writes let a large answer go out as the socket accepts it.
  SSL_set_mode(ssl_, (release_buffers ? SSL_MODE_RELEASE_BUFFERS : 0) | SSL_MODE_ENABLE_PARTIAL_WRITE |
                         SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  BIO* bio = BIO_new(TlsSocketBio::method());
  if (bio == nullptr) return error_code(static_cast<int>(ERR_get_error()), net::error::get_ssl_category());
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio);
  return {};
}

error_code TlsSocket::last_error(int ret) {
  const int err = SSL_get_error(ssl_, ret);
  if (err == SSL_ERROR_ZERO_RETURN) return net::error::eof;  // close_notify
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return net::ssl::error::stream_truncated;
  if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return net::ssl::error::stream_truncated;
  return error_code(static_cast<int>(e), net::error::get_ssl_category());
}

net::awaitable<error_code> TlsSocket::flush() {
  if (out_.empty()) co_return error_code{};
  // A non-blocking send first: it almost always takes everything, and then no completion goes through the
  // scheduler. What it cannot take is written asynchronously.
  error_code ec;
  std::size_t sent = socket_.write_some(net::buffer(out_), ec);
  if (ec == net::error::would_block || ec == net::error::try_again) {
    ec = {};
    sent = 0;
  }
  if (!ec && sent < out_.size()) {
    auto [wec, n] = co_await net::async_write(socket_, net::buffer(out_.data() + sent, out_.size() - sent), kTuple);
    ec = wec;
  }
  out_.clear();
  co_return ec;
}

net::awaitable<error_code> TlsSocket::service(int want) {
  // Whatever OpenSSL produced goes out first (a handshake message, or the records of a write).
  if (auto ec = co_await flush()) co_return ec;
  if (want != SSL_ERROR_WANT_READ || in_pos_ < in_len_) co_return error_code{};
  if (!in_) in_ = std::make_unique_for_overwrite<char[]>(kRecordBytes);
  in_pos_ = 0;
  in_len_ = 0;
  error_code ec;
  std::size_t n = 0;
  if (more_expected_) {
    // The last read filled the buffer: the rest of a large message is probably there already, and a
    // non-blocking read takes it without a trip through the scheduler.
    n = socket_.read_some(net::buffer(in_.get(), kRecordBytes), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      ec = {};
      n = 0;
    }
  }
  if (!ec && n == 0) {
    auto [rec, rn] = co_await socket_.async_read_some(net::buffer(in_.get(), kRecordBytes), kTuple);
    ec = rec;
    n = rn;
  }
  in_len_ = n;
  more_expected_ = n == kRecordBytes;
  // The end of the stream where OpenSSL still wanted bytes: no close_notify came first.
  if (ec == net::error::eof) co_return net::ssl::error::stream_truncated;
  co_return ec;
}

net::awaitable<error_code> TlsSocket::handshake(bool server) {
  if (ssl_ == nullptr) co_return error_code{};
  for (;;) {
    ERR_clear_error();
    const int r = server ? SSL_accept(ssl_) : SSL_connect(ssl_);
    if (r == 1) co_return co_await flush();
    const int err = SSL_get_error(ssl_, r);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      auto ec = last_error(r);
      (void)co_await flush();  // the alert, if any
      co_return ec;
    }
    if (auto ec = co_await service(err)) co_return ec;
  }
}

net::awaitable<std::pair<error_code, std::size_t>> TlsSocket::read_some(net::mutable_buffer buffer) {
  if (ssl_ == nullptr) {
    auto [ec, n] = co_await socket_.async_read_some(buffer, kTuple);
    co_return std::pair{ec, n};
  }
  for (;;) {
    ERR_clear_error();
    std::size_t n = 0;
    const int r = SSL_read_ex(ssl_, buffer.data(), buffer.size(), &n);
    if (r == 1) {
      if (!out_.empty()) {  // e.g. a key update answered while reading
        if (auto ec = co_await flush()) co_return std::pair{ec, std::size_t{0}};
      }
      co_return std::pair{error_code{}, n};
    }
    const int err = SSL_get_error(ssl_, r);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) co_return std::pair{last_error(r), std::size_t{0}};
    if (auto ec = co_await service(err)) co_return std::pair{ec, std::size_t{0}};
  }
}

net::awaitable<error_code> TlsSocket::write(net::const_buffer buffer) {
  if (ssl_ == nullptr) {
    auto [ec, n] = co_await net::async_write(socket_, buffer, kTuple);
    co_return ec;
  }
  const char* data = static_cast<const char*>(buffer.data());
  std::size_t left = buffer.size();
  while (left > 0) {
    ERR_clear_error();
    std::size_t n = 0;
    const int r = SSL_write_ex(ssl_, data, left, &n);
    if (r == 1) {
      data += n;
      left -= n;
      if (out_.size() >= kOutLimit) {
        if (auto ec = co_await flush()) co_return ec;
      }
      continue;
    }
    const int err = SSL_get_error(ssl_, r);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) co_return last_error(r);
    if (auto ec = co_await service(err)) co_return ec;
  }
  co_return co_await flush();
}

net::awaitable<void> TlsSocket::shutdown() {
  if (ssl_ != nullptr && socket_.is_open()) {
    // One close_notify, no wait for the peer's: the connection is going away either way.
    ERR_clear_error();
    (void)SSL_shutdown(ssl_);
    (void)co_await flush();
  }
  close();
}

void TlsSocket::close() {
  error_code ignored;
  socket_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void TlsSocket::release_staging() {
  if (in_pos_ >= in_len_) {
    in_.reset();
    in_pos_ = 0;
    in_len_ = 0;
  }
  if (out_.empty()) std::string().swap(out_);
}

}  // namespace fedmetrics::transport
