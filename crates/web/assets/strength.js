// Live strength gauge for the password change form. Only a help: the
// server applies the directory's rule (CNIL 2022-100) and says why it
// refuses. The estimate mirrors directory/src/password.rs entropy_bits;
// the words shown come from the page (data-* attributes, i.e. the
// catalogue), never from this file.
const box = document.getElementById("strength");
const input = document.getElementById("new");
if (box && input) {
  const meter = document.getElementById("strength-meter");
  const text = document.getElementById("strength-text");
  const min = Number(box.dataset.minBits) || 78;
  box.hidden = false;
  const bits = (pw) => {
    let pool = 0;
    if (/[a-z]/.test(pw)) pool += 26;
    if (/[A-Z]/.test(pw)) pool += 26;
    if (/[0-9]/.test(pw)) pool += 10;
    if (/[!-\/:-@\[-`{-~ ]/.test(pw)) pool += 33;
    if (/[^\x00-\x7f]/.test(pw)) pool += 40;
    if (pool === 0) return 0;
    const chars = Array.from(pw);
    let effective = 0;
    chars.forEach((c, i) => {
      const d = i > 0 ? c.codePointAt(0) - chars[i - 1].codePointAt(0) : 99;
      effective += (d === 0 || d === 1 || d === -1) ? 0.25 : 1;
    });
    return effective * Math.log2(pool);
  };
  let last = "";
  const update = () => {
    const b = bits(input.value);
    meter.value = Math.min(100, Math.round((b / min) * 100));
    const word = input.value === "" ? "" : b >= min ? box.dataset.strong
      : b >= min * 0.75 ? box.dataset.fair : box.dataset.weak;
    // Announce only when the verdict changes, not at every key.
    if (word !== last) { text.textContent = word; last = word; }
  };
  input.addEventListener("input", update);
  update();
}
