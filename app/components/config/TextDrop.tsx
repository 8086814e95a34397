import { useId, useState, type DragEvent } from 'react';
import { MAX_TEXT_BYTES, checkUserText } from '../../../src/data/text';
import * as fmt from '../../lib/format';
import { useLab } from '../../store';

/** Drop or open a .txt file; it is checked before it becomes the corpus. */
export function TextDrop() {
  const id = useId();
  const context = useLab((s) => s.config.model.context);
  const textFile = useLab((s) => s.textFile);
  const setText = useLab((s) => s.setText);
  const [problem, setProblem] = useState<string | null>(null);
  const [over, setOver] = useState(false);

  const open = async (file: File | undefined) => {
    if (!file) return;
    setProblem(null);
    // Checked before reading: a huge file is refused without loading it into memory.
    if (file.size > MAX_TEXT_BYTES) {
      setProblem(
        `${file.name}: The file is too large (${fmt.count(file.size)} bytes); the limit is ` +
          `${MAX_TEXT_BYTES / (1024 * 1024)} MB (${fmt.count(MAX_TEXT_BYTES)} bytes).`,
      );
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch {
      setProblem(`${file.name}: The file could not be read.`);
      return;
    }
    const check = checkUserText(bytes, { context });
    if (!check.ok) {
      setProblem(`${file.name}: ${check.message}`);
      return;
    }
    setText(
      { name: file.name, bytes: check.bytes, chars: check.length, distinct: check.distinct },
      check.text,
    );
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void open(e.dataTransfer.files[0]);
  };

  return (
    <div
      className={`drop${over ? ' over' : ''}`}
      data-testid="text-drop"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p>
        Drop a <code>.txt</code> file here, or{' '}
        <label htmlFor={id} className="link-button">
          open a file
        </label>
        <input
          id={id}
          type="file"
          accept=".txt,text/plain"
          className="visually-hidden"
          aria-label="Open a .txt file"
          onChange={(e) => void open(e.target.files?.[0])}
        />
      </p>
      {textFile && (
        <p className="file-info" data-testid="text-info">
          <strong>{textFile.name}</strong> · {fmt.bytes(textFile.bytes)} ·{' '}
          {fmt.count(textFile.chars)} characters · {textFile.distinct} distinct
        </p>
      )}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
