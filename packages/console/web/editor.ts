import { javascript } from '@codemirror/lang-javascript'
import { basicSetup, EditorView } from 'codemirror'

/** A CodeMirror 6 editor (loaded only when the playground opens, to keep the first load small). */
export function createEditor(parent: HTMLElement, doc: string, typescript: boolean) {
  // CodeMirror adds its styles in <style> elements: the page's CSP allows them by this per-response nonce only.
  const nonce = document.querySelector<HTMLMetaElement>('meta[name=pb-style-nonce]')?.content ?? ''
  const view = new EditorView({
    doc,
    parent,
    extensions: [basicSetup, javascript({ typescript }), EditorView.cspNonce.of(nonce)],
  })
  return {
    get value() {
      return view.state.doc.toString()
    },
    set value(text: string) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } })
    },
    /** Puts the cursor on a line (1-based) and column, and scrolls to it. */
    goTo(line: number, column: number) {
      const l = view.state.doc.line(Math.min(Math.max(1, line), view.state.doc.lines))
      const pos = Math.min(l.from + Math.max(0, column - 1), l.to)
      view.dispatch({ selection: { anchor: pos }, scrollIntoView: true })
      view.focus()
    },
    destroy: () => view.destroy(),
  }
}
