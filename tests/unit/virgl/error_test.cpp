// Hostile or inconsistent input: the right status, no crash, nothing left behind in
// virglrenderer (CVE-2021-3544 family: leaks on error paths in vhost-user-gpu's virgl code).
#include <thread>
#include "virgl_fixture.hpp"

namespace vugpu::test {
namespace {

bool virgl_knows(uint32_t id) {
  virgl_renderer_resource_info info{};
  return virgl_renderer_resource_get_info(int(id), &info) == 0;
}

TEST_F(VirglTest, ResourceWithoutVirglStateIsNotFound) {
  Resource& stranger = new_resource(42);  // never created through this renderer
  stranger.width = stranger.height = 8;
  GuestBacking b{std::vector<uint8_t>(256)};
  stranger.backing = b.pieces();
  stranger.backing_size = 256;
  Transfer3D t;
  t.box = Box3D{0, 0, 0, 8, 8, 1};
  Frame f;
  EXPECT_EQ(renderer_->attach_backing(stranger), Status::InvalidResourceId);
  EXPECT_EQ(renderer_->transfer_to_host_3d(stranger, t), Status::InvalidResourceId);
  EXPECT_EQ(renderer_->transfer_from_host_3d(stranger, t), Status::InvalidResourceId);
  EXPECT_EQ(renderer_->transfer_to_host_2d(stranger, Rect{0, 0, 8, 8}, 0), Status::InvalidResourceId);
  EXPECT_EQ(renderer_->frame(stranger, Rect{0, 0, 8, 8}, f), Status::InvalidResourceId);
  EXPECT_EQ(renderer_->context_attach(1, stranger), Status::InvalidResourceId);
  renderer_->detach_backing(stranger);  // harmless
  renderer_->destroy(stranger);         // harmless
}

TEST_F(VirglTest, DestroyReleasesTheVirglResource) {
  Resource& r = make_2d(30, 16, 16);
  GuestBacking b{pattern(16, 16)};
  attach(r, b);
  ASSERT_TRUE(virgl_knows(30));
  renderer_->destroy(r);
  EXPECT_FALSE(virgl_knows(30));
  r.renderer_state.reset();  // what the core does next
  EXPECT_FALSE(virgl_knows(30));
}

// A core that drops the state without destroy() (a reset path) still releases it.
TEST_F(VirglTest, DroppingTheStateReleasesTheVirglResource) {
  Resource& r = make_3d(31, kTexture2D, kFormatB8G8R8X8, kBindRenderTarget, 16, 16);
  ASSERT_TRUE(virgl_knows(31));
  r.renderer_state.reset();
  EXPECT_FALSE(virgl_knows(31));
  // The id is free again.
  Resource& again = make_3d(31, kTexture2D, kFormatB8G8R8X8, kBindRenderTarget, 8, 8);
  EXPECT_TRUE(again.renderer_state);
}

TEST_F(VirglTest, DuplicateIdIsRefusedAndTheFirstKeepsWorking) {
  Resource& first = make_3d(32, kTexture2D, kFormatB8G8R8A8, kBindRenderTarget, 16, 16);
  Resource& dup = new_resource(32);
  dup.is_3d = true;
  dup.args3d = Resource3DArgs{kTexture2D, kFormatB8G8R8A8, kBindRenderTarget, 4, 4, 1, 1, 0, 0, 0};
  EXPECT_EQ(renderer_->create_3d(dup), Status::InvalidResourceId);
  EXPECT_FALSE(dup.renderer_state);
  virgl_renderer_resource_info info{};
  ASSERT_EQ(virgl_renderer_resource_get_info(32, &info), 0);
  EXPECT_EQ(info.width, 16u);  // not replaced by the 4x4 one
  // Creating twice on the same Resource is refused too.
  EXPECT_EQ(renderer_->create_3d(first), Status::InvalidResourceId);
}

TEST_F(VirglTest, InvalidCreateLeavesNothingBehind) {
  Resource& bad_format = new_resource(33);
  bad_format.is_3d = true;
  bad_format.args3d = Resource3DArgs{kTexture2D, 0xffff, kBindRenderTarget, 16, 16, 1, 1, 0, 0, 0};
  EXPECT_NE(renderer_->create_3d(bad_format), Status::Ok);
  EXPECT_FALSE(bad_format.renderer_state);
  EXPECT_FALSE(virgl_knows(33));

  Resource& bad_target = new_resource(34);
  bad_target.is_3d = true;
  bad_target.args3d = Resource3DArgs{99, kFormatB8G8R8A8, kBindRenderTarget, 16, 16, 1, 1, 0, 0, 0};
  EXPECT_NE(renderer_->create_3d(bad_target), Status::Ok);
  EXPECT_FALSE(bad_target.renderer_state);

  Resource& zero = new_resource(0);
  zero.virtio_format = kFormatB8G8R8X8;
  zero.width = zero.height = 4;
  EXPECT_EQ(renderer_->create_2d(zero), Status::InvalidResourceId);
  EXPECT_FALSE(zero.renderer_state);
}

TEST_F(VirglTest, BoxesPastInt32AreRefused) {
  Resource& r = make_3d(35, kTexture2D, kFormatB8G8R8A8, kBindRenderTarget, 16, 16);
  GuestBacking b{pattern(16, 16)};
  attach(r, b);
  for (Box3D box : {Box3D{0x80000000u, 0, 0, 1, 1, 1}, Box3D{0, 0, 0, 16, 0x7fffffffu, 1},
                    Box3D{0, 0, 0x7fffffffu, 1, 1, 2}}) {
    Transfer3D t;
    t.box = box;
    EXPECT_EQ(renderer_->transfer_to_host_3d(r, t), Status::InvalidParameter);
    EXPECT_EQ(renderer_->transfer_from_host_3d(r, t), Status::InvalidParameter);
  }
  Transfer3D level;
  level.box = Box3D{0, 0, 0, 1, 1, 1};
  level.level = 0x80000000u;
  EXPECT_EQ(renderer_->transfer_to_host_3d(r, level), Status::InvalidParameter);
  // A box inside int32 but outside the texture: virglrenderer's own check.
  Transfer3D outside;
  outside.box = Box3D{10, 10, 0, 100, 100, 1};
  EXPECT_NE(renderer_->transfer_to_host_3d(r, outside), Status::Ok);
  // A transfer that would read past the guest backing.
  Transfer3D past;
  past.box = Box3D{0, 0, 0, 16, 16, 1};
  past.offset = 512;
  EXPECT_NE(renderer_->transfer_to_host_3d(r, past), Status::Ok);
}

TEST_F(VirglTest, ContextErrors) {
  EXPECT_EQ(renderer_->context_create(0, 0, "zero"), Status::InvalidContextId);
  EXPECT_EQ(renderer_->context_create(5, 0xff00, "flags"), Status::InvalidParameter);
  EXPECT_EQ(renderer_->context_create(5, 4 /* venus */, "venus"), Status::InvalidParameter);
  // An unterminated name of the full 64 bytes, with bytes after it: fine.
  const std::string long_name(100, 'x');
  EXPECT_EQ(renderer_->context_create(5, 0, long_name), Status::Ok);
  renderer_->context_destroy(5);
  renderer_->context_destroy(5);   // twice: harmless
  renderer_->context_destroy(77);  // never made: harmless
}

TEST_F(VirglTest, CallsFromAnotherThreadAreRefused) {
  Resource& r = new_resource(36);
  r.virtio_format = kFormatB8G8R8X8;
  r.width = r.height = 8;
  Status got = Status::Ok;
  bool fenced = true;
  std::thread([&] {
    got = renderer_->create_2d(r);
    fenced = renderer_->create_fence(0, false, 0, 1);
  }).join();
  EXPECT_EQ(got, Status::Unspec);
  EXPECT_FALSE(fenced);
  EXPECT_FALSE(r.renderer_state);
  EXPECT_TRUE(host_.log_.contains("off the device loop thread", LogLevel::Error));
}

}  // namespace
}  // namespace vugpu::test

namespace vugpu::test {
namespace {

// Out of order teardown (a resource state outliving the renderer) must not call into a
// virglrenderer that is gone -- nor into the one that runs now: a new renderer has its own
// resource 40, which a stale unref of the old state's id would destroy.
TEST_F(VirglTest, StateOutlivingTheRendererIsHarmless) {
  Resource& r = make_2d(40, 16, 16);
  GuestBacking b{pattern(16, 16)};
  attach(r, b);
  ASSERT_TRUE(virgl_knows(40));
  renderer_.reset();
  EXPECT_FALSE(virgl_knows(40)) << "the old renderer's cleanup left its resource in virglrenderer";
  renderer_ = plugin_->descriptor().create_renderer(host_, virgl_options());
  ASSERT_TRUE(renderer_);
  Resource& successor = make_2d(40, 8, 8);
  ASSERT_TRUE(virgl_knows(40));
  r.renderer_state.reset();  // the old renderer's state goes last
  EXPECT_TRUE(virgl_knows(40)) << "the stale state unref'd the new renderer's resource 40";
  virgl_renderer_resource_info info{};
  ASSERT_EQ(virgl_renderer_resource_get_info(40, &info), 0);
  EXPECT_EQ(info.width, 8u) << "resource 40 is not the new renderer's";
  EXPECT_TRUE(successor.renderer_state);
}

}  // namespace
}  // namespace vugpu::test
