// Task "objects" (spec §6; runtime/include/akorn/tasks/objects/): unsupervised object
// discovery on images. Input 'image' Float32 [H, W, 3] (RGB mapped to [-1, 1]), output
// 'features' [h, w, D] (the map clustered into objects; H and W multiples of h and w), and
// for training the NtXentLoss over two views of each image.
#include <string>

#include "akorn/format.hpp"

#include "check/check.hpp"
#include "diag.hpp"
#include "ops/op.hpp"
#include "tasks.hpp"

namespace akornc {
namespace {

void check_objects(const Model& m, const Graph& g) {
  const std::string w = m.path + ": task 'objects' needs ";
  const InputDecl* image = nullptr;
  for (const InputDecl& d : m.inputs)
    if (d.name == "image") image = &d;
  if (!image || image->dtype != DType::F32 || image->shape.size() != 3 || image->shape[2] != 3 || image->training_only)
    fail(w + "the input 'image' Float32 [H, W, 3] (RGB in [-1, 1])" +
         (image ? std::string(", got ") + (image->dtype == DType::I32 ? "Int32 " : "Float32 ") + akorn::shape_str(image->shape) +
                      (image->training_only ? " (training only)" : "")
                : std::string(": the spec has no input 'image'")));
  bool listed = false;
  for (const std::string& o : m.outputs) listed = listed || o == "features";
  if (!listed) fail(w + "the model output 'features' [h, w, D] (the map clustered into objects): the spec's outputs do not list it");
  const Value& f = g.value("features");
  if (f.shape.size() != 3 || image->shape[0] % f.shape[0] != 0 || image->shape[1] % f.shape[1] != 0)
    fail(w + "the output 'features' [h, w, D] on a grid that divides the image " + akorn::shape_str(image->shape) + ", got " +
         akorn::shape_str(f.shape));
  if (g.loss_op >= 0 && m.ops[static_cast<size_t>(g.loss_op)].kind != OpKind::NtXentLoss)
    fail(w + "the NtXentLoss for training (two views of each image), got " +
         op_kind_name(m.ops[static_cast<size_t>(g.loss_op)].kind));
}

}  // namespace

extern const TaskInfo kObjectsTask;
const TaskInfo kObjectsTask = {"objects", "akorn/tasks/objects/commands.hpp", "akorn::objects::Commands",
                               "make-data, train and eval for object discovery on images",
                               "akorn/tasks/objects/cuda_testing.cuh", "akorn::objects::GpuTests", check_objects};

}  // namespace akornc
