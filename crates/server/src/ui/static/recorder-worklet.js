// The recorder's AudioWorklet: hands each block of the first input channel to the page.
class Recorder extends AudioWorkletProcessor {
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch && ch.length) this.port.postMessage(ch.slice(0));
    return true;
  }
}
registerProcessor("fretwise-recorder", Recorder);
