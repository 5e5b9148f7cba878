#!/bin/sh
# End-to-end tests of edgenn-train and edgenn-eval.
#
#   cli_test.sh MODE TRAIN EVAL MAKE_IMAGES WORKDIR [MODEL]
#
# MODE: tiny | determinism | resume | folder | mapping | stray | logs |
#       badargs | shipped
# Fashion-MNIST comes from Debian's dataset-fashion-mnist; without it the
# modes that need it exit 77 (skipped).
set -u
mode=$1 train=$2 eval=$3 make_images=$4 work=$5 model=${6:-}
data=/usr/share/datasets/fashion-mnist
pass=0 fail=0

mkdir -p "$work"
rm -rf "${work:?}/$mode"
mkdir -p "$work/$mode"
w=$work/$mode

ok () { pass=$((pass + 1)); echo "ok: $1"; }
ko () { fail=$((fail + 1)); echo "FAIL: $1"; }
finish () { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }
need_data () {
  [ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "skipped: no $data"; exit 77; }
}
# accuracy PCT-LINE -> integer hundredths
hundredths () { sed -n 's/.*accuracy: \([0-9.]*\)%.*/\1/p; s/^top-1: \([0-9.]*\)%.*/\1/p' | head -n1 | awk '{ printf "%d", $1 * 100 }'; }

case $mode in
tiny)
  # A few seconds: 600 images, 4 epochs, must be far above chance (10%).
  need_data
  out=$("$train" --idx-dir "$data" --limit 600 --test-limit 500 --epochs 4 \
        --batch 32 --threads 2 --seed 3 -q -o "$w/tiny.onnx") || ko "training ran"
  acc=$(echo "$out" | hundredths)
  echo "tiny run test accuracy: $out"
  [ "${acc:-0}" -ge 6000 ] && ok "tiny run reaches >= 60% (got $acc/100)" \
    || ko "tiny run accuracy ${acc:-none}/100 < 60%"
  [ -s "$w/tiny-report.md" ] && [ -s "$w/tiny-curves.csv" ] && \
    [ "$(head -c 4 "$w/tiny-curves.png" | tail -c 3)" = "PNG" ] \
    && ok "report, CSV and PNG written" || ko "report files"
  [ "$(wc -l < "$w/tiny-curves.csv")" -eq 5 ] && ok "CSV has 4 epochs" || ko "CSV rows"
  grep -q "Confusion matrix" "$w/tiny-report.md" && ok "confusion matrix in report" \
    || ko "confusion matrix missing"
  ;;
determinism)
  need_data
  for run in a b; do
    "$train" --idx-dir "$data" --limit 300 --test-limit 100 --epochs 2 \
      --augment shift2,flip,erase6 --arch conv8x3,pool2,dropout0.25,dense10 \
      --deterministic --seed 7 -q --no-report -o "$w/det-$run.onnx" >/dev/null \
      || ko "deterministic run $run"
    "$train" --idx-dir "$data" --limit 300 --test-limit 100 --epochs 2 \
      --augment shift2,flip --threads 2 --seed 7 -q --no-report \
      -o "$w/mt-$run.onnx" >/dev/null || ko "2-thread run $run"
  done
  cmp "$w/det-a.onnx" "$w/det-b.onnx" && ok "--deterministic: identical bytes" \
    || ko "--deterministic runs differ"
  cmp "$w/mt-a.onnx" "$w/mt-b.onnx" && ok "--threads 2 twice: identical bytes" \
    || ko "2-thread runs differ"
  # Seed 8 with run a's other settings. The run must succeed: a missing
  # model is not "another model".
  if "$train" --idx-dir "$data" --limit 300 --test-limit 100 --epochs 2 \
      --augment shift2,flip,erase6 --arch conv8x3,pool2,dropout0.25,dense10 \
      --deterministic --seed 8 -q --no-report -o "$w/det-c.onnx" >/dev/null \
      && [ -s "$w/det-c.onnx" ] && [ -s "$w/det-a.onnx" ]; then
    cmp -s "$w/det-a.onnx" "$w/det-c.onnx" \
      && ko "another seed gives the same model" \
      || ok "another seed gives another model"
  else
    ko "run with another seed"
  fi
  ;;
resume)
  # Two epochs in one go == one epoch, stop, resume for the second.
  need_data
  common="--idx-dir $data --limit 300 --test-limit 100 --epochs 2 --val 0.2 \
    --augment shift1 --deterministic --seed 5 -q --no-report"
  # shellcheck disable=SC2086
  "$train" $common -o "$w/full.onnx" >/dev/null || ko "uninterrupted run"
  # shellcheck disable=SC2086
  "$train" $common --stop-after 1 -o "$w/part.onnx" >/dev/null || ko "first half"
  [ -f "$w/part.onnx.ckpt" ] && ok "checkpoint written" || ko "no checkpoint"
  [ -f "$w/part.onnx" ] && ko "model exported before the end" || ok "no early export"
  # shellcheck disable=SC2086
  "$train" $common --lr 0.01 --resume -o "$w/part.onnx" 2>/dev/null >/dev/null
  [ $? -eq 1 ] && ok "resume with other settings refused" || ko "resume with other settings"
  # shellcheck disable=SC2086
  "$train" $common --resume -o "$w/part.onnx" >/dev/null || ko "resumed run"
  cmp "$w/full.onnx" "$w/part.onnx" && ok "resume gives identical bytes" \
    || ko "resumed model differs"
  [ ! -e "$w/part.onnx.ckpt" ] && ok "checkpoint removed once finished" \
    || ko "checkpoint left after the resumed run finished"
  printf 'garbage' > "$w/bad.ckpt"
  # shellcheck disable=SC2086
  "$train" $common --resume --checkpoint "$w/bad.ckpt" -o "$w/x.onnx" 2>/dev/null >/dev/null
  [ $? -eq 1 ] && ok "corrupt checkpoint refused" || ko "corrupt checkpoint"
  ;;
folder)
  "$make_images" "$w/img" || ko "fixture images"
  out=$("$train" --train-dir "$w/img/train" --test-dir "$w/img/test" \
        --size 16x16 --color RGB --resize letterbox \
        --arch conv8x3,pool2,conv16x3,dense3 --epochs 12 --batch 10 --lr 0.003 \
        --deterministic -q -o "$w/shapes.onnx") || ko "folder training"
  acc=$(echo "$out" | hundredths)
  [ "${acc:-0}" -ge 8000 ] && ok "folder model test accuracy ${acc}/100 >= 80%" \
    || ko "folder model accuracy ${acc:-none}/100"
  grep -q "| 1 rings |" "$w/shapes-report.md" && ok "class names from folders" \
    || ko "class names"
  if [ -n "$eval" ]; then
    out=$("$eval" "$w/shapes.onnx" --dir "$w/img/test" -q) || ko "evaluator on folder"
    eacc=$(echo "$out" | hundredths)
    [ "${eacc:-x}" = "$acc" ] && ok "evaluator agrees with the trainer ($eacc)" \
      || ko "evaluator ${eacc:-none} vs trainer $acc"
  fi
  "$train" --train-dir "$w/img/broken" --epochs 1 -q -o "$w/b.onnx" 2>"$w/err"
  [ $? -eq 1 ] && grep -q "01.jpg" "$w/err" && ok "undecodable image reported" \
    || ko "undecodable image"
  ;;
mapping)
  # Test folders are classes by NAME: a test set with only some of the
  # model's classes scores what those images score in the full set, and a
  # folder the model has no class for is an error, even with -q.
  "$make_images" "$w/img" || ko "fixture images"
  "$train" --train-dir "$w/img/train" --size 16x16 \
    --arch conv8x3,pool2,conv16x3,dense3 --epochs 6 --batch 10 --lr 0.003 \
    --deterministic -q --no-report -o "$w/m.onnx" >/dev/null || ko "training"
  "$eval" "$w/m.onnx" --dir "$w/img/test" --predictions "$w/full.csv" -q \
    >/dev/null || ko "evaluator on the full test set"
  mkdir -p "$w/sub"
  cp -r "$w/img/test/rings" "$w/img/test/stripes" "$w/sub/"
  # oracle: the full run's predictions for the rings (1) and stripes (2)
  want=$(awk -F, 'NR > 1 && $2 >= 1 { n++; h += $2 == $3 }
                  END { printf "%d", 10000 * h / n + 0.5 }' "$w/full.csv")
  out=$("$eval" "$w/m.onnx" --dir "$w/sub" -q 2>"$w/err") || ko "evaluator on a subset"
  got=$(echo "$out" | hundredths)
  [ "${got:-x}" = "$want" ] && ok "subset scored by folder name ($got = $want)" \
    || ko "subset accuracy ${got:-none}/100, the full run says $want"
  out=$("$train" --train-dir "$w/img/train" --test-dir "$w/sub" --size 16x16 \
        --arch conv8x3,pool2,conv16x3,dense3 --epochs 6 --batch 10 --lr 0.003 \
        --deterministic -q --no-report -o "$w/m2.onnx") || ko "training with a subset test set"
  got=$(echo "$out" | hundredths)
  [ "${got:-x}" = "$want" ] && ok "trainer maps test folders by name ($got)" \
    || ko "trainer test accuracy ${got:-none}/100, wanted $want"
  cp -r "$w/img/test/columns" "$w/sub/triangles"
  "$eval" "$w/m.onnx" --dir "$w/sub" -q >/dev/null 2>"$w/err"
  [ $? -eq 1 ] && grep -q "triangles" "$w/err" \
    && ok "evaluator: unknown class folder is an error, even with -q" \
    || ko "evaluator accepted a folder the model has no class for"
  "$train" --train-dir "$w/img/train" --test-dir "$w/sub" --epochs 1 -q \
    --no-report -o "$w/m3.onnx" >/dev/null 2>"$w/err"
  [ $? -eq 1 ] && grep -q "triangles" "$w/err" && [ ! -f "$w/m3.onnx" ] \
    && ok "trainer: unknown test folder is an error" \
    || ko "trainer accepted a test folder it has no class for"
  # a 3-class model: top-3, not top-5
  out=$("$eval" "$w/m.onnx" --dir "$w/img/test" --report "$w/r.md")
  echo "$out" | grep -q "top-3" && ! echo "$out" | grep -q "top-5" \
    && grep -q "top-3" "$w/r.md" && ! grep -q "top-5" "$w/r.md" \
    && ok "3 classes: top-3 reported" || ko "top-k of a 3-class model: $out"
  ;;
stray)
  # Files that are not images in class folders are skipped and counted,
  # for training and evaluation alike.
  "$make_images" "$w/img" || ko "fixture images"
  cp -r "$w/img/train" "$w/tr"
  cp -r "$w/img/test" "$w/te"
  head -c 3000 /dev/urandom > "$w/tr/rings/Thumbs.db"
  echo "cleaned up on Monday" > "$w/tr/columns/notes.txt"
  echo "to do" > "$w/te/stripes/README"
  "$train" --train-dir "$w/tr" --size 16x16 --arch conv8x3,pool2,dense3 \
    --epochs 1 -q --no-report -o "$w/m.onnx" >/dev/null 2>"$w/err"
  rc=$?
  cat "$w/err"
  [ $rc -eq 0 ] && [ -f "$w/m.onnx" ] && ok "training with stray files" \
    || ko "stray files stopped training (status $rc)"
  grep -q "skipped 2 " "$w/err" && ok "trainer says 2 files were skipped" \
    || ko "skipped files not reported"
  "$eval" "$w/m.onnx" --dir "$w/te" -q >/dev/null 2>"$w/err"
  rc=$?
  [ $rc -eq 0 ] && grep -q "skipped 1 " "$w/err" \
    && ok "evaluator skips and reports a stray file" \
    || ko "evaluator with a stray file (status $rc): $(cat "$w/err")"
  # a file named like an image that is not one is still an error
  "$train" --train-dir "$w/img/broken" --epochs 1 -q -o "$w/b.onnx" 2>"$w/err"
  [ $? -eq 1 ] && grep -q "01.jpg" "$w/err" && ok "undecodable image reported" \
    || ko "undecodable image"
  ;;
logs)
  # Logs: no carriage returns when stderr is a file. The checkpoint is
  # removed after a successful run unless --keep-checkpoint.
  "$make_images" "$w/img" || ko "fixture images"
  "$train" --train-dir "$w/img/train" --size 16x16 --arch conv8x3,pool2,dense3 \
    --epochs 2 --no-report -o "$w/m.onnx" >"$w/out" 2>"$w/err" || ko "training"
  cat "$w/err"
  grep -q "epoch 2/2" "$w/err" && ok "progress lines in the log" \
    || ko "no progress in the log"
  if tr -d -c '\r' < "$w/err" | grep -q .; then ko "carriage returns in the log"
  else ok "no carriage returns in the log"; fi
  [ -f "$w/m.onnx" ] && [ ! -e "$w/m.onnx.ckpt" ] \
    && ok "checkpoint removed after a successful run" \
    || ko "checkpoint left behind"
  "$train" --train-dir "$w/img/train" --size 16x16 --arch conv8x3,pool2,dense3 \
    --epochs 1 -q --no-report --keep-checkpoint -o "$w/k.onnx" >/dev/null \
    || ko "training with --keep-checkpoint"
  [ -f "$w/k.onnx.ckpt" ] && ok "--keep-checkpoint keeps it" \
    || ko "--keep-checkpoint did not keep it"
  ;;
badargs)
  t () { # expected-status description command...
    want=$1 what=$2; shift 2
    "$@" >/dev/null 2>"$w/err"; got=$?
    if [ "$got" -eq "$want" ] && [ -s "$w/err" ]; then ok "$what"
    else ko "$what (status $got, wanted $want)"; fi
  }
  t 2 "no data" "$train" -o "$w/m.onnx"
  t 2 "unknown option" "$train" --bogus
  t 2 "missing value" "$train" --epochs
  t 2 "epochs 0" "$train" --idx-dir "$data" --epochs 0
  t 2 "epochs not a number" "$train" --idx-dir "$data" --epochs 3x
  t 2 "negative batch" "$train" --idx-dir "$data" --batch -4
  t 2 "lr 0" "$train" --idx-dir "$data" --lr 0
  t 2 "lr nan" "$train" --idx-dir "$data" --lr nan
  t 2 "bad optimizer" "$train" --idx-dir "$data" --optimizer rmsprop
  t 2 "bad schedule" "$train" --idx-dir "$data" --schedule linear
  t 2 "bad size" "$train" --idx-dir "$data" --size 28
  t 2 "bad colour" "$train" --idx-dir "$data" --color YUV
  t 2 "bad augment" "$train" --idx-dir "$data" --augment rotate
  t 2 "bad mean" "$train" --idx-dir "$data" --mean 1,2
  t 2 "zero std" "$train" --idx-dir "$data" --std 0
  t 2 "val too big" "$train" --idx-dir "$data" --val 0.95
  t 2 "patience without val" "$train" --idx-dir "$data" --patience 3
  t 2 "two data sources" "$train" --idx-dir "$data" --train-dir "$w"
  t 2 "images without labels" "$train" --train-images "$w/x"
  t 2 "stray argument" "$train" --idx-dir "$data" extra
  t 1 "missing IDX file" "$train" --train-images "$w/none" --train-labels "$w/none"
  t 1 "missing folder" "$train" --train-dir "$w/none"
  if [ -f "$data/train-images-idx3-ubyte.gz" ]; then
    t 1 "bad architecture" "$train" --idx-dir "$data" --limit 10 --arch conv8x3,bogus
    t 1 "arch too deep for 28x28" "$train" --idx-dir "$data" --limit 10 \
      --arch conv8x3,pool2,pool2,pool2,pool2,pool2,dense10
    t 1 "labels file with wrong count" "$train" --idx-dir "$data" --limit 10 \
      --labels "$w/err"
  fi
  t 2 "eval: no model" "$eval"
  t 2 "eval: no data" "$eval" "$w/m.onnx"
  t 2 "eval: bad resize" "$eval" "$w/m.onnx" --idx-dir "$data" --resize 7x7
  t 2 "eval: unknown option" "$eval" "$w/m.onnx" --bogus
  printf 'not a model' > "$w/garbage.onnx"
  t 1 "eval: garbage model" "$eval" "$w/garbage.onnx" --idx-dir "$data"
  t 2 "eval: --frames without --resize" "$eval" "$w/m.onnx" --idx-dir "$data" \
    --frames "$w/none"
  if [ -f "$model" ] && [ -f "$data/t10k-images-idx3-ubyte.gz" ]; then
    t 1 "eval: missing frames file" "$eval" "$model" --idx-dir "$data" \
      --resize 112x112 --frames "$w/none"
    printf 'too short for one frame' > "$w/short.i420"
    t 1 "eval: frames file shorter than the labels" "$eval" "$model" \
      --idx-dir "$data" --limit 5 --resize 112x112 --frames "$w/short.i420"
    t 1 "eval: predictions file not writable" "$eval" "$model" \
      --idx-dir "$data" --limit 5 --predictions "$w/none/p.csv"
  fi
  ;;
shipped)
  need_data
  [ -f "$model" ] || { echo "skipped: no $model"; exit 77; }
  out=$("$eval" "$model" --idx-dir "$data" --min-accuracy 91 -q)
  rc=$?
  echo "$out"
  [ $rc -eq 0 ] && ok "shipped model top-1 >= 91% on the 10,000 test images" \
    || ko "shipped model below 91%"
  out=$("$eval" "$model" --idx-dir "$data" --limit 2000 --resize 112x112 -q)
  echo "as 112x112 I420: $out"
  acc=$(echo "$out" | hundredths)
  [ "${acc:-0}" -ge 8800 ] && ok "upscaled I420 path keeps >= 88% on 2000 images" \
    || ko "upscaled I420 accuracy ${acc:-none}/100"
  "$eval" "$model" --idx-dir "$data" --limit 300 --predictions "$w/p.csv" -q \
    >/dev/null || ko "--predictions run"
  [ "$(wc -l < "$w/p.csv")" -eq 301 ] && \
    [ "$(head -n1 "$w/p.csv")" = "index,label,predicted,confidence" ] && \
    [ "$(awk -F, 'NR > 1 && $2 == $3' "$w/p.csv" | wc -l)" -ge 255 ] \
    && ok "--predictions: a line an image, mostly right" || ko "--predictions CSV"
  ;;
*)
  echo "unknown mode $mode"; exit 2 ;;
esac
finish
