#include "guest_blob_provider.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <stdexcept>
#include "view_pieces.hpp"
#include "views.hpp"

namespace vugpu::blob_guest {

BlobOptions BlobOptions::from(const OptionValues& values) {
  BlobOptions o;
  const std::string& view = values.get_string("view");
  if (view == "auto") o.view = View::Auto;
  else if (view == "udmabuf") o.view = View::Udmabuf;
  else if (view == "map") o.view = View::Map;
  else if (view == "gather") o.view = View::Gather;
  else throw std::invalid_argument("view = \"" + view + "\": use auto, udmabuf, map or gather");
  o.udmabuf_device = values.get_string("udmabuf_device");
  return o;
}

GuestBlobProvider::GuestBlobProvider(HostServices& host, BlobOptions options) : host_(host), options_(std::move(options)) {
  if (options_.view == BlobOptions::View::Auto || options_.view == BlobOptions::View::Udmabuf)
    udmabuf_ = UniqueFd(::open(options_.udmabuf_device.c_str(), O_RDWR | O_CLOEXEC));
  host_.log().info("{}: {}", options_.udmabuf_device,
                   udmabuf_ ? "present: blobs are shared as dmabufs"
                            : "missing: blobs are mapped from the guest's memory file (or copied)");
}

void GuestBlobProvider::note(BlobViewKind kind, uint32_t resource_id, const std::string& why_not_better) {
  const auto i = static_cast<size_t>(kind);
  if (i < noted_.size() && !noted_[i]) {
    noted_[i] = true;
    host_.log().info("blob {}: linear view by {}{}{} (logged once per kind)", resource_id, to_string(kind),
                     why_not_better.empty() ? "" : "; not better because: ", why_not_better);
  }
  host_.log().debug("blob {}: view by {}", resource_id, to_string(kind));
}

Status GuestBlobProvider::make_view(uint32_t resource_id, std::span<const GuestPiece> pieces, uint64_t size,
                                    BlobView& out) {
  using View = BlobOptions::View;
  const std::vector<FileRun> runs = file_runs(pieces);
  std::string why, all_why;
  const auto add_why = [&](const char* kind) {
    if (!why.empty()) all_why += (all_why.empty() ? "" : "; ") + std::string(kind) + ": " + why;
    why.clear();
  };
  if (options_.view == View::Udmabuf && !udmabuf_) {
    all_why = "udmabuf: " + options_.udmabuf_device + " cannot be opened";
  } else if (udmabuf_) {
    if (make_udmabuf_view(udmabuf_.get(), runs, size, out, why)) {
      note(BlobViewKind::Udmabuf, resource_id, all_why);
      return Status::Ok;
    }
    add_why("udmabuf");
    out = BlobView{};
  } else if (options_.view == View::Auto) {
    all_why = "udmabuf: " + options_.udmabuf_device + " is missing";
  }
  if (options_.view == View::Map || options_.view == View::Auto) {
    if (make_memfd_view(runs, size, out, why)) {
      note(BlobViewKind::MemfdMap, resource_id, all_why);
      return Status::Ok;
    }
    add_why("memfd mapping");
    out = BlobView{};
  }
  if (options_.view == View::Gather || options_.view == View::Auto) {
    if (make_gather_view(pieces, size, out, why)) {
      note(BlobViewKind::Gather, resource_id, all_why);
      return Status::Ok;
    }
    add_why("gather");
    out = BlobView{};
    host_.log().warn("blob {}: no view of {} bytes: {}", resource_id, size, all_why);
    return Status::OutOfMemory;
  }
  host_.log().warn("blob {}: no view of the kind configured: {}", resource_id, all_why);
  return Status::Unspec;
}

Status GuestBlobProvider::prepare_read(BlobView& view, uint64_t offset, uint64_t length) {
  if (view.kind != BlobViewKind::Gather) return Status::Ok;  // the guest's pages themselves
  if (offset > view.size || length > view.size - offset) return Status::InvalidParameter;
  host_.count_copy(gather(view, offset, length));
  return Status::Ok;
}

}  // namespace vugpu::blob_guest
