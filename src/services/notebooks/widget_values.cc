#include "services/notebooks/widget_values.h"

#include <cmath>
#include <optional>
#include <string>

namespace openlabs::notebooks {
namespace {

using nlohmann::json;

std::optional<double> NumberProp(const json& props, const char* key) {
  const auto found = props.find(key);
  if (found == props.end() || !found->is_number()) {
    return std::nullopt;
  }
  return found->get<double>();
}

// The widget's string field `key`, or "" when it is missing or not a string. The description
// comes from the kernel, which runs the learner's code, so no field's type is trusted.
std::string StringField(const json& widget, const char* key) {
  const auto found = widget.find(key);
  return found != widget.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// The number as the kernel sent it, so that 1 stays "1" and 0.1 stays "0.1".
std::string PropText(const json& props, const char* key) { return props.at(key).dump(); }

// The client's value as JSON for an error message, cut after 40 bytes so that a large value
// does not fill the message.
std::string ValueText(const json& value) {
  constexpr size_t kMaxBytes = 40;
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > kMaxBytes) {
    size_t cut = kMaxBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) {
      --cut;
    }
    text.resize(cut);
    text += "...";
  }
  return text;
}

Error InvalidValue(const json& widget, const std::string& message) {
  const std::string id = StringField(widget, "id");
  const std::string kind = StringField(widget, "kind");
  Error error = Error::Validation({{"value", message}});
  error.message = "Invalid value for " + kind + " " + id + ": it " + message + ".";
  return error;
}

// Checks one number of a slider or range slider against its range and step.
Status CheckSliderNumber(const json& widget, const json& props, const json& value) {
  const std::optional<double> start = NumberProp(props, "start");
  const std::optional<double> stop = NumberProp(props, "stop");
  if (!value.is_number()) {
    return Fail(InvalidValue(widget, "must be a number, got " + ValueText(value)));
  }
  const double number = value.get<double>();
  if (start && stop && (number < *start || number > *stop)) {
    return Fail(InvalidValue(widget, "must be between " + PropText(props, "start") + " and " +
                                         PropText(props, "stop") + ", got " + ValueText(value)));
  }
  // Without a step the web app's range input moves in steps of 1, as marimo's does.
  const double step = NumberProp(props, "step").value_or(1);
  const bool has_steps = props.contains("steps") && props["steps"].is_array();
  if (!start || step <= 0 || has_steps) {
    return {};
  }
  // The number of steps from start must be whole, up to rounding of decimal steps such as 0.1.
  const double steps = (number - *start) / step;
  if (std::abs(steps - std::round(steps)) > 1e-9 * std::max(1.0, std::abs(steps))) {
    return Fail(InvalidValue(
        widget, "must be " + PropText(props, "start") + " plus a multiple of the step " +
                    (props.contains("step") && props["step"].is_number() ? PropText(props, "step")
                                                                         : std::string("1")) +
                    ", got " + ValueText(value)));
  }
  return {};
}

}  // namespace

Status CheckWidgetValue(const json& widget, const json& value) {
  if (!widget.is_object()) {
    return {};
  }
  const std::string kind = StringField(widget, "kind");
  const json props = widget.contains("props") ? widget["props"] : json::object();
  if (!props.is_object()) {
    return {};
  }
  if (kind == "slider") {
    return CheckSliderNumber(widget, props, value);
  }
  if (kind == "range_slider") {
    if (!value.is_array() || value.size() != 2) {
      return Fail(InvalidValue(widget, "must be a [low, high] pair, got " + ValueText(value)));
    }
    for (const json& end : value) {
      if (Status valid = CheckSliderNumber(widget, props, end); !valid) {
        return valid;
      }
    }
    return {};
  }
  if (kind == "number") {
    if (value.is_null()) {
      return {};
    }
    if (!value.is_number()) {
      return Fail(InvalidValue(widget, "must be a number or null, got " + ValueText(value)));
    }
    const double number = value.get<double>();
    const std::optional<double> start = NumberProp(props, "start");
    const std::optional<double> stop = NumberProp(props, "stop");
    if ((start && number < *start) || (stop && number > *stop)) {
      return Fail(InvalidValue(
          widget, "must be between " + (start ? PropText(props, "start") : std::string("-inf")) +
                      " and " + (stop ? PropText(props, "stop") : std::string("inf")) + ", got " +
                      ValueText(value)));
    }
  }
  return {};
}

}  // namespace openlabs::notebooks
