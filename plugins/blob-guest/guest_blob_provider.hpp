// blob.guest's BlobProvider: picks, per blob and at run time, the first view that works of
// udmabuf (when the udmabuf device exists) -> memfd mapping -> gather copy (or only the one the
// `view` option names), and logs each kind the first time it is chosen (with why the better
// ones were not). Gather views are refreshed in prepare_read() and counted with count_copy.
//
// Threading: device loop thread only (BlobProvider's rule); it keeps no per-resource state (the
// core owns the BlobView).
#pragma once
#include <array>
#include <string>
#include <vugpu/blob.hpp>
#include <vugpu/host.hpp>
#include <vugpu/options.hpp>
#include <vugpu/unique_fd.hpp>

namespace vugpu::blob_guest {

struct BlobOptions {
  enum class View { Auto, Udmabuf, Map, Gather };
  View view = View::Auto;
  std::string udmabuf_device = "/dev/udmabuf";
  // Throws std::invalid_argument for an unknown view.
  static BlobOptions from(const OptionValues& values);
};

class GuestBlobProvider final : public BlobProvider {
 public:
  GuestBlobProvider(HostServices& host, BlobOptions options);

  Status make_view(uint32_t resource_id, std::span<const GuestPiece> pieces, uint64_t size, BlobView& out) override;
  Status prepare_read(BlobView& view, uint64_t offset, uint64_t length) override;

 private:
  void note(BlobViewKind kind, uint32_t resource_id, const std::string& why_not_better);

  HostServices& host_;
  const BlobOptions options_;
  UniqueFd udmabuf_;  // opened in the factory, before the daemon's sandbox closes open()
  std::array<bool, 4> noted_{};  // per BlobViewKind
};

}  // namespace vugpu::blob_guest
