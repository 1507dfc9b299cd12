#include "services/notebooks/widget_values.h"

#include <gtest/gtest.h>

namespace openlabs::notebooks {
namespace {

using nlohmann::json;

// The description the kernel sends for mo.ui.slider(start=1, stop=10).
const json kSlider = json::parse(
    R"({"id": "c1-0", "kind": "slider", "label": "", "value": 1,
        "props": {"start": 1, "stop": 10, "step": null, "steps": null}})");

std::string Message(const Status& status) {
  return status ? "" : status.error().details.at(0).message;
}

TEST(CheckWidgetValue, SliderAcceptsValuesOnItsGrid) {
  EXPECT_TRUE(CheckWidgetValue(kSlider, 1));
  EXPECT_TRUE(CheckWidgetValue(kSlider, 10));
  EXPECT_TRUE(CheckWidgetValue(kSlider, 7.0));
}

TEST(CheckWidgetValue, SliderRejectsOutOfRangeAndOffStep) {
  for (const json& value : {json(-1), json(500), json(1e30), json(0.999)}) {
    const Status checked = CheckWidgetValue(kSlider, value);
    ASSERT_FALSE(checked) << value;
    EXPECT_EQ(checked.error().code, ErrorCode::kValidationFailed);
    EXPECT_EQ(checked.error().details.at(0).field, "value");
    EXPECT_NE(Message(checked).find("must be between 1 and 10"), std::string::npos)
        << Message(checked);
  }
  EXPECT_NE(Message(CheckWidgetValue(kSlider, 3.5)).find("multiple of the step 1"),
            std::string::npos);
  EXPECT_NE(Message(CheckWidgetValue(kSlider, "abc")).find("must be a number"), std::string::npos);
  EXPECT_NE(Message(CheckWidgetValue(kSlider, nullptr)).find("must be a number"),
            std::string::npos);
  EXPECT_NE(CheckWidgetValue(kSlider, 500).error().message.find("slider c1-0"), std::string::npos);
}

TEST(CheckWidgetValue, DecimalStepAllowsRounding) {
  const json slider =
      json::parse(R"({"id": "c1-0", "kind": "slider", "props": {"start": 0, "stop": 1,
                      "step": 0.1}})");

  EXPECT_TRUE(CheckWidgetValue(slider, 0.3));
  EXPECT_TRUE(CheckWidgetValue(slider, 0.7));
  EXPECT_FALSE(CheckWidgetValue(slider, 0.35));
}

TEST(CheckWidgetValue, StepsListAcceptsAnyNumberInRange) {
  const json slider = json::parse(
      R"({"id": "c1-0", "kind": "slider", "props": {"start": 1, "stop": 100, "step": null,
                                                    "steps": [1, 10, 100]}})");

  EXPECT_TRUE(CheckWidgetValue(slider, 42));
  EXPECT_FALSE(CheckWidgetValue(slider, 101));
}

TEST(CheckWidgetValue, RangeSliderChecksBothEnds) {
  const json range = json::parse(
      R"({"id": "c1-0", "kind": "range_slider", "props": {"start": 0, "stop": 10, "step": 2}})");

  EXPECT_TRUE(CheckWidgetValue(range, json::array({2, 8})));
  EXPECT_FALSE(CheckWidgetValue(range, json::array({2, 12})));
  EXPECT_FALSE(CheckWidgetValue(range, json::array({3, 8})));
  EXPECT_FALSE(CheckWidgetValue(range, 4));
}

TEST(CheckWidgetValue, NumberFieldChecksSetBoundsOnly) {
  const json bounded =
      json::parse(R"({"id": "c1-0", "kind": "number", "props": {"start": 0, "stop": 5}})");
  const json open =
      json::parse(R"({"id": "c1-1", "kind": "number", "props": {"start": null, "stop": null}})");

  EXPECT_TRUE(CheckWidgetValue(bounded, 2.5));
  EXPECT_TRUE(CheckWidgetValue(bounded, nullptr));
  EXPECT_FALSE(CheckWidgetValue(bounded, 6));
  EXPECT_FALSE(CheckWidgetValue(bounded, "abc"));
  EXPECT_TRUE(CheckWidgetValue(open, -1e30));
}

TEST(CheckWidgetValue, MalformedDescriptionDoesNotThrow) {
  const json numeric_kind = json::parse(R"({"id": 5, "kind": 7, "props": {"start": 1}})");
  const json string_bounds = json::parse(
      R"({"id": "c1-0", "kind": "slider", "props": {"start": "1", "stop": [10], "step": "x"}})");
  const json no_props = json::parse(R"({"id": "c1-0", "kind": "slider"})");

  EXPECT_TRUE(CheckWidgetValue(numeric_kind, "anything"));
  EXPECT_TRUE(CheckWidgetValue(json::array(), 1));
  EXPECT_TRUE(CheckWidgetValue(string_bounds, 500));
  EXPECT_FALSE(CheckWidgetValue(string_bounds, "abc"));
  EXPECT_TRUE(CheckWidgetValue(no_props, 3));
  EXPECT_FALSE(CheckWidgetValue(no_props, "abc"));
}

TEST(CheckWidgetValue, LongValueIsCutInMessage) {
  const Status checked = CheckWidgetValue(kSlider, std::string(1000, 'x'));

  ASSERT_FALSE(checked);
  EXPECT_LT(Message(checked).size(), 100u) << Message(checked);
  EXPECT_NE(Message(checked).find("xxx..."), std::string::npos) << Message(checked);
}

TEST(CheckWidgetValue, OtherKindsPassThrough) {
  const json text = json::parse(R"({"id": "c1-0", "kind": "text", "props": {}})");

  EXPECT_TRUE(CheckWidgetValue(text, 42));
  EXPECT_TRUE(CheckWidgetValue(text, "anything"));
}

}  // namespace
}  // namespace openlabs::notebooks
