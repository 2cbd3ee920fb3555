// lang/de/panels-a.js — the strings of the train, gradients, rope, speed, next
// and attention panels in German (see en/panels-a.js).
export default {
  // ---------------------------------------------------------------- train
  'panel.train.title': 'Training',
  'panel.train.note': 'Drücken Sie „Start“, um das Modell mit AdamW auf der Aufgabe zu trainieren, in einem Worker neben der Seite: ' +
    'Jedes Panel folgt den Gewichten, während sie sich ändern. Im Vergleichsmodus werden beide Modelle nebeneinander auf denselben Daten trainiert.',
  'train.button.play': 'Start',
  'train.button.pause': 'Pause',
  'train.button.step': 'Schritt',
  'train.button.reset': 'Zurücksetzen',
  'train.presets': 'Voreinstellungen: ',
  'train.preset.copy': 'Pre-Norm gegen Post-Norm bei der Kopieraufgabe',
  'train.preset.xiong': 'Xiong et al.: 12 Schichten, lr 0,01, ohne Warmup',
  'train.preset.warmup': '… mit 200 Warmup-Schritten',
  'train.preset.norm': 'RMSNorm gegen LayerNorm',
  'train.preset.init': 'Ein trainiertes Kopiermodell neben sich selbst bei Initialisierung',
  'train.preset.nonorm': 'Keine Norm, 24 Schichten, lr 0,01',
  'train.status.error': 'Training angehalten: {error}',
  'train.status.idle': 'Nicht gestartet: Drücken Sie „Start“ (oder „Schritt“), um ab den gezeigten Gewichten zu trainieren.',
  'train.status.step': 'Schritt {steps}',
  'train.status.speed': '{rate} Schritte/s',
  'train.status.pausing': 'wird angehalten…',
  'train.status.paused': 'pausiert',
  'train.status.lr': 'Lernrate {lr}',
  'train.status.loss': 'Loss (letzte 20 Schritte) {losses}',
  'train.aria': 'Trainings-Loss pro Schritt',
  'train.aria.compare': 'Trainings-Loss pro Schritt, {a} und {b}',
  'train.axis.step': 'Schritt',
  'train.axis.loss': 'Loss',
  'train.chance': 'Buchstaben raten: ln 26',
  'train.spike': '{model}: Der Loss erreichte {worst} (die Achse endet bei {cap}) – ein Ausreißer; er ist wieder gesunken.',
  'train.diverged': '{model}: Der Loss erreichte {worst} (die Achse endet bei {cap}) – das Modell ist divergiert.',
  'train.model': 'Modell',
  'train.sample': '{model} setzt fort: ',
  'train.sample.right': '  ✓ richtig',
  'train.sample.wrong': '  ✗ (Antwort: {expected})',

  // ---------------------------------------------------------------- gradients
  'panel.gradients.title': 'Gradientenfluss',
  'panel.gradients.note': 'Der Gradient des Loss (mittlere Kreuzentropie der Vorhersage jedes nächsten Bytes des Textes) in jeder ' +
    'Schicht: die L2-Norm des Gradienten eines Gewichts oder der RMS-Wert des Gradienten an einer Stelle des Residualstroms. ' +
    'Logarithmische Achse. Klicken Sie auf eine Schicht, um sie auszuwählen.',
  'gradients.kind.ffn': 'FFN-Gewichte (W1, W2, W3)',
  'gradients.kind.attention': 'Attention-Gewichte (Wq, Wk, Wv, Wo)',
  'gradients.kind.norms': 'Norm-γ und -β',
  'gradients.kind.stream': 'Residualstrom (RMS des Gradienten)',
  'gradients.show': 'Anzeige',
  'gradients.seeds': 'Seeds',
  'gradients.seeds.title': 'geometrisches Mittel über so viele Seeds (seed, seed + 1, …); das Band reicht von ihrem Minimum bis zum Maximum',
  'gradients.presets': 'Voreinstellungen: ',
  'gradients.preset.xiong': 'Xiong et al. 2020: Post-Norm gegen Pre-Norm bei Xavier-Initialisierung',
  'gradients.preset.highway': 'Residual aus, keine Norm: Der Gradient verschwindet',
  'gradients.error': 'Keine Gradienten für dieses Modell: {error}. Die anderen Panels zeigen seinen Vorwärtsdurchlauf.',
  'gradients.short': 'Der Loss bewertet die Vorhersage jedes nächsten Bytes aus den vorherigen: Geben Sie mindestens 2 Bytes Text ein.',
  'gradients.no_norms': 'Dieses Modell hat keine Norm-Gewichte (norm = none): Es gibt nichts darzustellen.',
  'gradients.nothing': 'Für dieses Modell gibt es nichts darzustellen.',
  'gradients.seeds_ignored': 'Seeds gelten für zufällige Gewichte; diese hier sind geladen oder trainiert, daher wird ein einzelner Lauf gezeigt.',
  'gradients.residual_off': 'Residual aus, aber eine Norm in jedem Block: Die Normen teilen den Gradienten durch den RMS-Wert dessen, ' +
    'was sie normalisiert haben, und skalieren ihn so Schicht für Schicht neu; deshalb verschwindet er hier bei Initialisierung nicht. ' +
    'Setzen Sie die Norm auf „Keine“, um zu sehen, was das +1 der Residual-Verbindung allein bewirkt.',
  'gradients.aria': 'Gradientenfluss, {model}: {kind} pro Schicht, logarithmische Skala',
  'gradients.axis.layer': 'Schicht',
  'gradients.axis.rms': 'RMS des Gradienten (log)',
  'gradients.axis.l2': 'L2-Norm des Gradienten (log)',
  'gradients.plot.one': '{model} · Loss {loss}',
  'gradients.plot.seeds': '{model} · mittlerer Loss {loss} · Mittel über {seeds} Seeds',
  'gradients.of_model': '{model}: {values}',
  'gradients.underflow.first': '— (der Wert der ersten Schicht ist in float32 auf 0 unterlaufen)',
  'gradients.underflow.last': '— (der Wert der letzten Schicht ist in float32 auf 0 unterlaufen)',
  'gradients.zeros': 'Einige Gradienten liegen unter der kleinsten float32-Zahl und werden als 0 angezeigt: Diese Punkte fehlen auf der logarithmischen Achse.',
  'gradients.band': 'Linien: geometrisches Mittel über die Seeds {range}; schattiert: ihr Minimum bis Maximum.',
  'gradients.xiong': 'Xiong et al. 2020 (Abb. 3): Bei Post-Norm wachsen die FFN-Gradienten zu den Ausgabeschichten hin, bei Pre-Norm ' +
    'nicht. Im Paper bleiben sie bei Pre-Norm auf gleicher Höhe; hier fallen sie mit der Tiefe, weil die Embeddings dieses Byte-Modells ' +
    'klein beginnen, der Strom bei Pre-Norm Schicht für Schicht wächst und jede spätere Norm durch einen größeren RMS-Wert teilt.',
  'gradients.trend': 'Letzte Schicht ÷ erste Schicht — {trend}',
  'gradients.at_layer': 'Schicht {layer} — {values}',

  // ---------------------------------------------------------------- rope
  'panel.rope.title': 'RoPE: Drehung nach Position',
  'panel.rope.note': 'RoPE dreht jedes 2-D-Paar i von q und k um den Winkel m·θ_i, θ_i = base^(−2i/hd), wobei m die Position des Tokens ist. ' +
    'Frühe Paare drehen sich schnell, späte bewegen sich kaum; der Score zweier gedrehter Vektoren hängt nur davon ab, wie weit sie auseinanderliegen.',
  'rope.head': 'Kopf',
  'rope.token': 'Token (Position m)',
  'rope.char': ' „{char}“',
  'rope.info.layer': 'Schicht {layer}',
  'rope.info.hd.one': 'Kopfdimension {hd} (1 Paar)',
  'rope.info.hd.other': 'Kopfdimension {hd} ({pairs} Paare)',
  'rope.info.base': 'Basis {base}',
  'rope.info.half': 'Paarung half: (i, i+hd/2)',
  'rope.info.interleaved': 'Paarung interleaved: (2i, 2i+1)',
  'rope.section.a.one': 'a) Das einzige Paar von q für Token {token} „{char}“, gedreht um m·θ_i',
  'rope.section.a.other': 'a) Die {pairs} Paare von q für Token {token} „{char}“, gedreht um m·θ_i',
  'rope.section.b': 'b) Ein Inhaltsvektor gegen sich selbst, Δ Positionen voneinander entfernt',
  'rope.section.c': 'c) s(m, n) = (R_m q)·(R_n q) für die Positionen m, n',
  'rope.section.d': 'd) Langfristiges Abklingen der Schranke (RoFormer Gl. 37)',
  'rope.disabled': 'Dieses Modell verwendet pos={pos} für die Positionen, daher werden q und k nicht gedreht: Es gibt kein RoPE zu zeigen. ' +
    'Setzen Sie pos=rope, um die Drehung zu sehen.',
  'rope.overflow': 'q von Kopf {head} in Schicht {layer} ist NaN oder Inf (die Aktivierungen sind schon vorher übergelaufen): ' +
    'Es gibt nichts zu drehen. Wählen Sie eine frühere Schicht.',
  'rope.phasors.aria': 'Paare von q für Token {token} vor und nach der Drehung',
  'rope.phasors.pair': 'Paar {i}',
  'rope.phasors.turns': '{turns} Umdr.',
  'rope.phasors.degrees': '{degrees}°',
  'rope.phasors.describe': 'Paar {i} = Dimensionen ({d0}, {d1}): θ_{i} = {theta} rad pro Position, bei m = {m} also um ' +
    '{angle} rad gedreht ({turns} Umdrehungen); vorher ({a}; {b}) → nachher ({a2}; {b2})',
  'rope.legend.before': 'q vor der Drehung',
  'rope.legend.after': 'q nach der Drehung bei m = {m}',
  'rope.legend.turn': 'die Drehung m·θ_i (mod 360°)',
  'rope.phasors.at_zero': 'Token 0 steht an Position m = 0: Nichts dreht sich. Wählen Sie ein späteres Token, um die Paare rotieren zu sehen.',
  'rope.phasors.one': 'Bei m = {m} hat sich das einzige Paar um {turns} Umdrehungen gedreht.',
  'rope.phasors.other': 'Bei m = {m} hat sich Paar 0 um {turns} Umdrehungen gedreht und Paar {last} nur um {degrees}°. ' +
    'Zeigen Sie auf einen Kreis, um seine Werte zu sehen.',
  'rope.phasors.subset': '{shown} von {pairs} Paaren, gleichmäßig verteilt. ',
  'rope.phasors.caption': 'Jeder Kreis ist ein 2-D-Paar von q, auf seine eigene Länge skaliert (eine Drehung erhält die Länge). ' +
    'Paar i dreht sich pro Position um θ_i: Paar 0 um 1 rad (57°) je Schritt, die letzten Paare um einen winzigen Bruchteil eines Grades.',
  'rope.turns.aria': 'Drehwinkel jedes Paares an Position {m}, logarithmische Skala',
  'rope.turns.axis.x': 'Paar i',
  'rope.turns.axis.y': 'm·θ_i (rad, log)',
  'rope.turns.full': 'eine volle Umdrehung (2π)',
  'rope.scores.aria': 'Score des Inhaltsvektors gegen sich selbst bei jedem Abstand',
  'rope.scores.axis.x': 'Abstand Δ = m − n (Positionen)',
  'rope.scores.axis.y': '(R_m q)·(R_n q)',
  'rope.scores.summary': 'Δ = 0: |q|² = {q2}. Schattiert: Abstände, die in diesem Text vorkommen (bis {max}).',
  'rope.scores.at': 'Δ = {d}: Score {score} ({ratio} × der Score bei Δ = 0)',
  'rope.scores.caption': 'Dasselbe q (Token {token}, Kopf {head}) an zwei Positionen im Abstand Δ, vor der Skalierung mit 1/√hd: ' +
    'Σ_i |q_i|² cos(Δ·θ_i). Schnelle Paare erzeugen die Schwankungen; langsame halten den Score lange hoch.',
  'rope.matrix.aria': 'Score-Matrix s(m, n) für die Positionen 0 bis {max}',
  'rope.matrix.axis.n': 'Position n',
  'rope.matrix.axis.m': 'Position m',
  'rope.matrix.summary': 's(m, n) für die Positionen 0 … {max}; Farbe von {lo} bis {hi}.',
  'rope.matrix.at': 's({m}, {n}) = {value}; Abstand {d}: Score {score}',
  'rope.matrix.caption': 'Berechnet, indem q an jede Position m und n gedreht und das Skalarprodukt gebildet wird. Jede Diagonale hat eine Farbe: ' +
    's(m, n) hängt nur von m − n ab, nie davon, wo das Paar steht. Das ist relative Position, gewonnen aus absoluten Drehungen.',
  'rope.decay.aria': 'Langfristige Abklingschranke von RoFormer über dem relativen Abstand, logarithmische Abstandsachse',
  'rope.decay.axis.x': 'relativer Abstand m − n (log)',
  'rope.decay.axis.y': 'Schranke (1/(hd/2)) Σ|S_j|',
  'rope.decay.summary': 'Bei Abstand 0 beträgt die Schranke {first}, bei {far} beträgt sie {last}. Schattiert: Abstände in diesem Text.',
  'rope.decay.at': 'Abstand {d}: Schranke {value}',
  'rope.decay.caption': 'RoFormer (Su et al. 2021), Gl. 37: Mit S_j = Σ_{k<j} e^{i(m−n)θ_k} ist der Score beliebiger q, k beschränkt durch ' +
    'max|h_{j+1} − h_j| · (1/(hd/2)) Σ_j |S_j|. Für hd = {hd} und Basis {base} fällt diese Schranke ' +
    'mit dem Abstand und schwankt dabei: Weit auseinanderliegende Tokens können weniger miteinander wechselwirken. ' +
    'Sie beschränkt jeden Inhalt, nicht nur dieses q.',
  'rope.decay.ragged.one': ' Mit nur einem Paar ist die Kurve zackig; die Abbildung im Paper hat hd = 128 (probieren Sie d_model 512, n_heads 4).',
  'rope.decay.ragged.other': ' Mit nur {pairs} Paaren ist die Kurve zackig; die Abbildung im Paper hat hd = 128 (probieren Sie d_model 512, n_heads 4).',

  // ---------------------------------------------------------------- speed
  'panel.speed.title': 'RMSNorm gegen LayerNorm in Ihrem Browser',
  'panel.speed.note': 'Misst die Laufzeit der beiden Norm-Kernel, die dieses Modell ausführt: 64 Tokens beim aktuellen d_model, ' +
    '15 Runden abwechselnd (etwa 2 s). Die Notizen behaupten, RMSNorm sei 15–20 % schneller; das RMSNorm-Paper hat Ende-zu-Ende 7–64 % gemessen.',
  'speed.button.first': 'Beide Normen bei d_model {d} messen',
  'speed.button.again': 'Erneut bei d_model {d} messen',
  'speed.idle': 'Drücken Sie die Schaltfläche, um zu messen.',
  'speed.result': 'LayerNorm {ln} µs, RMSNorm {rms} µs pro Aufruf: RMSNorm braucht {share} % der Zeit von LayerNorm ' +
    '({less} % weniger; Verhältnis {ratio}, Quartile {q1}–{q3}). LayerNorm geht dreimal über jede Zeile (Mittelwert, ' +
    'Varianz, dann Skalierung), RMSNorm zweimal (mittleres Quadrat, dann Skalierung). In einem ganzen Modell machen beide neben den ' +
    'Matrixprodukten nur einen kleinen Anteil aus; deshalb sind die Gewinne Ende-zu-Ende kleiner als dieses Kernel-Verhältnis.',
  'speed.aria': 'Zeit pro Aufruf jeder Norm',
  'speed.axis': 'µs pro Aufruf',

  // ---------------------------------------------------------------- next
  'panel.next.title': 'Vorhersage des nächsten Tokens',
  'panel.next.note': 'Wahrscheinlichkeit jedes Bytes, als nächstes zu folgen, aus den Logits an der letzten Position ' +
    '(ein untrainiertes Modell ist nahezu gleichverteilt: 1/256 ≈ 0,0039).',
  'next.after': 'nach „{last}“: {model}',

  // ---------------------------------------------------------------- attention
  'panel.attention.title': 'Attention pro Kopf',
  'panel.attention.note': 'Jedes Quadrat: ein Kopf. Zeile = das Token, von dem die Attention ausgeht (Query), Spalte = das Token, ' +
    'auf das sie gerichtet ist (Key); dunkler heißt niedriger. Klicken Sie auf einen Kopf, um ihn auszuwählen.',
  'attention.summary.one': 'Schicht {layer}: 1 Kopf × {T} Tokens; Farbe von p = 0 (dunkel) bis 1 (gelb)',
  'attention.summary.other': 'Schicht {layer}: {heads} Köpfe × {T} Tokens; Farbe von p = 0 (dunkel) bis 1 (gelb)',
  'attention.head': 'Kopf {h}',
  'attention.aria': 'Attention von Kopf {h} in Schicht {layer}',
  'attention.aria.selected': 'Attention von Kopf {h} in Schicht {layer} (ausgewählt)',
  'attention.at': 'Kopf {h}: „{q}“ (Token {qi}) richtet Attention auf „{k}“ (Token {ki}) mit p = {p}',
};
