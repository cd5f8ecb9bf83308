// SUBMIT_3D: a virgl command stream clears a render target; frame() shows the colour.
#include "virgl_commands.hpp"
#include "virgl_fixture.hpp"

namespace vugpu::test {
namespace {

struct Rgb {
  uint8_t r, g, b;
};

// Every pixel of the frame has this colour (checked through the fourcc's channel positions).
::testing::AssertionResult all_pixels(const Frame& f, Rgb want) {
  const auto ch = channel_offsets(f.fourcc);
  if (!ch) return ::testing::AssertionFailure() << "unknown fourcc " << f.fourcc;
  for (uint32_t y = 0; y < f.height; ++y)
    for (uint32_t x = 0; x < f.width; ++x) {
      const uint8_t* p = f.pixels + size_t(y) * f.stride + size_t(x) * 4;
      if (p[ch->r] != want.r || p[ch->g] != want.g || p[ch->b] != want.b)
        return ::testing::AssertionFailure() << "pixel " << x << "," << y << " is r=" << int(p[ch->r])
                                             << " g=" << int(p[ch->g]) << " b=" << int(p[ch->b]);
    }
  return ::testing::AssertionSuccess();
}

class VirglSubmitTest : public VirglTest {
 protected:
  static constexpr uint32_t kCtx = 3, W = 64, H = 48;
  void SetUp() override {
    VirglTest::SetUp();
    if (IsSkipped()) return;
    target_ = &make_3d(20, kTexture2D, kFormatB8G8R8X8, kBindRenderTarget | kBindSamplerView, W, H);
    ASSERT_EQ(renderer_->context_create(kCtx, 0, "submit-test"), Status::Ok);
    ASSERT_EQ(renderer_->context_attach(kCtx, *target_), Status::Ok);
    VirglCommands setup;
    setup.create_sub_ctx(1).set_sub_ctx(1).create_surface(5, 20, kFormatB8G8R8X8).set_framebuffer(5);
    ASSERT_EQ(renderer_->submit_3d(kCtx, setup.bytes()), Status::Ok);
  }
  void TearDown() override {
    if (renderer_) renderer_->context_destroy(kCtx);
    VirglTest::TearDown();
  }
  Resource* target_ = nullptr;
};

TEST_F(VirglSubmitTest, ClearShowsInTheFrame) {
  VirglCommands red;
  red.clear(1.0f, 0.0f, 0.0f, 1.0f);
  ASSERT_EQ(renderer_->submit_3d(kCtx, red.bytes()), Status::Ok);
  Frame f;
  ASSERT_EQ(renderer_->frame(*target_, Rect{0, 0, W, H}, f), Status::Ok);
  EXPECT_EQ(f.fourcc, DRM_FORMAT_XRGB8888);
  EXPECT_TRUE(all_pixels(f, {255, 0, 0}));

  // A second colour, so the first result was not a leftover.
  VirglCommands teal;
  teal.clear(0.0f, 1.0f, 1.0f, 1.0f);
  ASSERT_EQ(renderer_->submit_3d(kCtx, teal.bytes()), Status::Ok);
  ASSERT_EQ(renderer_->frame(*target_, Rect{0, 0, W, H}, f), Status::Ok);
  EXPECT_TRUE(all_pixels(f, {0, 255, 255}));
  EXPECT_EQ(host_.copied, 2ull * W * H * 4);
}

TEST_F(VirglSubmitTest, ClearIsVisibleToTheGuestsTransferToo) {
  VirglCommands blue;
  blue.clear(0.0f, 0.0f, 1.0f, 1.0f);
  ASSERT_EQ(renderer_->submit_3d(kCtx, blue.bytes()), Status::Ok);
  GuestBacking b{std::vector<uint8_t>(size_t(W) * H * 4, 0x11)};
  attach(*target_, b);
  Transfer3D t;
  t.box = Box3D{0, 0, 0, W, H, 1};
  t.ctx_id = kCtx;
  ASSERT_EQ(renderer_->transfer_from_host_3d(*target_, t), Status::Ok);
  for (size_t i = 0; i < b.bytes.size(); i += 4) {  // B8G8R8X8: bytes B, G, R, X
    ASSERT_EQ(b.bytes[i + 0], 255) << i;
    ASSERT_EQ(b.bytes[i + 1], 0) << i;
    ASSERT_EQ(b.bytes[i + 2], 0) << i;
  }
}

TEST_F(VirglSubmitTest, MalformedStreamsAreRefusedAndTheContextSurvivesForOthers) {
  // Not a whole number of words.
  const uint8_t odd[5] = {7, 0, 8, 0, 0};
  EXPECT_EQ(renderer_->submit_3d(kCtx, odd), Status::InvalidParameter);
  // A header that claims more words than the buffer has.
  VirglCommands lying;
  lying.raw({7u | (200u << 16), 4, 0, 0});
  EXPECT_EQ(renderer_->submit_3d(kCtx, lying.bytes()), Status::InvalidParameter);
  VirglCommands lying_last;  // a good command, then one that runs past the end
  lying_last.clear(1, 1, 1, 1).raw({7u | (9u << 16), 4});
  EXPECT_EQ(renderer_->submit_3d(kCtx, lying_last.bytes()), Status::InvalidParameter);
  // Refused before virglrenderer saw it: it did not have to complain.
  EXPECT_FALSE(host_.log_.contains("Illegal command buffer"));
  // An unknown command.
  VirglCommands unknown;
  unknown.raw({250u | (1u << 16), 0});
  EXPECT_NE(renderer_->submit_3d(kCtx, unknown.bytes()), Status::Ok);

  // Another context still renders.
  ASSERT_EQ(renderer_->context_create(kCtx + 1, 0, "other"), Status::Ok);
  ASSERT_EQ(renderer_->context_attach(kCtx + 1, *target_), Status::Ok);
  VirglCommands green;
  green.create_sub_ctx(1).set_sub_ctx(1).create_surface(6, 20, kFormatB8G8R8X8).set_framebuffer(6).clear(0, 1, 0, 1);
  ASSERT_EQ(renderer_->submit_3d(kCtx + 1, green.bytes()), Status::Ok);
  Frame f;
  ASSERT_EQ(renderer_->frame(*target_, Rect{0, 0, W, H}, f), Status::Ok);
  EXPECT_TRUE(all_pixels(f, {0, 255, 0}));
  renderer_->context_destroy(kCtx + 1);
}

TEST_F(VirglSubmitTest, SubmitToAContextThatDoesNotExistFails) {
  VirglCommands red;
  red.clear(1, 0, 0, 1);
  EXPECT_NE(renderer_->submit_3d(99, red.bytes()), Status::Ok);
  EXPECT_NE(renderer_->submit_3d(0, red.bytes()), Status::Ok);
}

TEST_F(VirglSubmitTest, EmptySubmitIsHarmless) {
  EXPECT_EQ(renderer_->submit_3d(kCtx, {}), Status::Ok);
}

}  // namespace
}  // namespace vugpu::test
