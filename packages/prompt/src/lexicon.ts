/**
 * Small English word lists the analyser uses to find the subject, action, setting and mood of a draft. They are
 * deliberately short and concrete: a hit is a strong signal that a sentence describes something a camera can see.
 * Text in other languages is not analysed word by word (it is kept as written and condensed by position).
 */

/** Places and surroundings (singular; plurals are matched by the analyser). */
export const PLACES = [
  'beach', 'sea', 'ocean', 'shore', 'coast', 'island', 'lake', 'river', 'waterfall', 'forest', 'woods', 'jungle',
  'mountain', 'hill', 'valley', 'desert', 'canyon', 'field', 'meadow', 'garden', 'park', 'city', 'town', 'village',
  'street', 'road', 'highway', 'alley', 'market', 'cafe', 'café', 'restaurant', 'bar', 'kitchen', 'bedroom', 'room',
  'house', 'home', 'apartment', 'rooftop', 'balcony', 'office', 'studio', 'school', 'classroom', 'library', 'museum',
  'stadium', 'gym', 'church', 'temple', 'castle', 'bridge', 'harbor', 'harbour', 'port', 'pier', 'station', 'airport',
  'subway', 'skyline', 'downtown', 'space', 'sky', 'underwater', 'farm', 'barn', 'campsite', 'tent', 'stage',
  'concert', 'club', 'festival', 'pool', 'snow', 'cliff', 'cave', 'glacier', 'volcano', 'vineyard', 'orchard',
  'countryside', 'neighborhood', 'neighbourhood', 'square', 'plaza', 'boardwalk', 'dock', 'lighthouse', 'trail',
  'playground', 'backyard', 'yard', 'porch', 'attic', 'basement', 'hallway', 'corridor', 'train', 'bus', 'car',
  'boat', 'ship', 'plane', 'lab', 'laboratory', 'shop', 'store', 'mall', 'hotel', 'lobby', 'arena', 'court', 'bay',
  'quay', 'lane', 'chapel', 'ridge', 'guesthouse', 'square', 'nook', 'window', 'trail',
] as const;

/** Big open places that read best from the air or in a wide pan. */
export const LANDSCAPES = new Set([
  'mountain', 'valley', 'canyon', 'coast', 'ocean', 'sea', 'skyline', 'desert', 'waterfall', 'island', 'glacier',
  'volcano', 'countryside', 'cliff', 'lake', 'forest', 'jungle', 'vineyard', 'field', 'meadow', 'harbour', 'harbor',
  'bay', 'beach', 'lighthouse',
]);

/** Time of day, weather and light: part of the setting. */
export const TIMES_AND_LIGHT = [
  'sunrise', 'sunset', 'dawn', 'dusk', 'twilight', 'night', 'midnight', 'morning', 'afternoon', 'evening', 'noon',
  'golden hour', 'blue hour', 'moonlight', 'rain', 'rainy', 'storm', 'stormy', 'fog', 'foggy', 'mist', 'misty',
  'snowy', 'winter', 'summer', 'autumn', 'spring', 'sunny', 'cloudy', 'neon', 'candlelight', 'starry',
] as const;

/** Prepositions that start a setting phrase ("on the beach at sunset"). */
export const SETTING_PREPOSITIONS = [
  'in', 'at', 'on', 'under', 'inside', 'through', 'across', 'along', 'near', 'by', 'over', 'beneath', 'above', 'into',
  'around', 'behind', 'among', 'outside', 'onto', 'beside', 'underneath',
] as const;

/** Verbs a camera can see (base forms; the analyser matches -s, -ing and -ed forms and the irregular pasts). */
export const ACTION_VERBS = [
  'walk', 'run', 'dance', 'jump', 'swim', 'surf', 'ride', 'drive', 'fly', 'climb', 'sing', 'play', 'cook', 'eat',
  'drink', 'laugh', 'smile', 'cry', 'hug', 'spin', 'twirl', 'fall', 'float', 'drift', 'glide', 'race', 'chase',
  'skate', 'ski', 'hike', 'explore', 'wander', 'sail', 'paint', 'draw', 'read', 'write', 'sleep', 'sit', 'stand',
  'wave', 'look', 'watch', 'gaze', 'stare', 'turn', 'roll', 'bounce', 'splash', 'blow', 'burn', 'glow', 'shine',
  'flicker', 'pour', 'crash', 'rise', 'sink', 'grow', 'bloom', 'melt', 'open', 'throw', 'catch', 'kick', 'celebrate',
  'cheer', 'clap', 'march', 'crawl', 'sprint', 'jog', 'stroll', 'soar', 'hover', 'bake', 'build', 'fish', 'kiss',
  'perform', 'bike', 'cycle', 'paddle', 'dive', 'skateboard', 'snowboard', 'stretch', 'roam', 'come', 'go', 'arrive',
  'leave', 'trot', 'gallop', 'leap', 'wade', 'circle', 'haul', 'sell', 'flip', 'wait', 'carry', 'hold', 'move', 'sway',
  'rest', 'lie', 'sparkle', 'weave', 'swirl', 'flow', 'wander', 'hunt', 'graze', 'nap', 'chat', 'pose',
] as const;

/** Actions that move the subject through space: a tracking camera follows them. */
export const TRAVEL_VERBS = new Set([
  'walk', 'run', 'ride', 'drive', 'fly', 'swim', 'surf', 'skate', 'ski', 'race', 'chase', 'sprint', 'jog', 'hike',
  'march', 'sail', 'soar', 'glide', 'bike', 'cycle', 'paddle', 'stroll', 'wander', 'roam', 'skateboard', 'snowboard',
  'trot', 'gallop',
]);
/** Actions performed in place: a camera circles them. */
export const PERFORMANCE_VERBS = new Set(['dance', 'spin', 'twirl', 'sing', 'perform', 'play', 'celebrate', 'cheer']);

export const IRREGULAR_PAST: Record<string, string> = {
  ran: 'run', swam: 'swim', rode: 'ride', drove: 'drive', flew: 'fly', sang: 'sing', ate: 'eat', drank: 'drink',
  fell: 'fall', rose: 'rise', sank: 'sink', grew: 'grow', threw: 'throw', caught: 'catch', blew: 'blow',
  sat: 'sit', stood: 'stand', built: 'build', dove: 'dive', wrote: 'write', drew: 'draw', slept: 'sleep',
  burnt: 'burn', shone: 'shine', spun: 'spin', came: 'come', went: 'go', gone: 'go', left: 'leave', held: 'hold',
  lay: 'lie', lying: 'lie', sold: 'sell', leapt: 'leap',
};

/** -ing words that are nouns, not actions. */
export const ING_NOUNS = new Set([
  'morning', 'evening', 'ceiling', 'building', 'thing', 'nothing', 'something', 'anything', 'everything', 'king',
  'ring', 'spring', 'string', 'wedding', 'painting', 'clothing', 'feeling', 'meaning', 'setting', 'lighting',
  'sibling', 'darling', 'pudding', 'wing', 'swing', 'ending', 'beginning', 'during', 'sling', 'viking', 'duckling',
  'being', 'bring', 'landing', 'parking', 'railing', 'dumpling', 'seedling', 'earring',
]);

/** Words and emoji that set a mood, mapped to one canonical mood. */
export const MOODS = [
  'joyful', 'calm', 'melancholic', 'nostalgic', 'romantic', 'cozy', 'dramatic', 'mysterious', 'energetic',
  'whimsical', 'festive', 'eerie', 'hopeful', 'epic',
] as const;
export type Mood = (typeof MOODS)[number];

export const MOOD_WORDS: Record<string, Mood> = {
  happy: 'joyful', joy: 'joyful', joyful: 'joyful', cheerful: 'joyful', fun: 'joyful', excited: 'joyful',
  exciting: 'joyful', delighted: 'joyful', playful: 'joyful', smiling: 'joyful', laughing: 'joyful',
  calm: 'calm', peaceful: 'calm', serene: 'calm', quiet: 'calm', tranquil: 'calm', relaxing: 'calm', relaxed: 'calm',
  chill: 'calm', gentle: 'calm', 
  sad: 'melancholic', lonely: 'melancholic', melancholy: 'melancholic', melancholic: 'melancholic',
  bittersweet: 'melancholic', gloomy: 'melancholic', grief: 'melancholic',
  nostalgic: 'nostalgic', nostalgia: 'nostalgic', memories: 'nostalgic', childhood: 'nostalgic',
  throwback: 'nostalgic', retro: 'nostalgic',
  romantic: 'romantic', tender: 'romantic', intimate: 'romantic',
  cozy: 'cozy', cosy: 'cozy', snug: 'cozy', comfy: 'cozy', hygge: 'cozy',
  dramatic: 'dramatic', intense: 'dramatic', powerful: 'dramatic', fierce: 'dramatic', storm: 'dramatic',
  mysterious: 'mysterious', mystery: 'mysterious', 
  energetic: 'energetic', wild: 'energetic', hype: 'energetic', crazy: 'energetic', party: 'festive',
  magical: 'whimsical', magic: 'whimsical', whimsical: 'whimsical', dreamy: 'whimsical', fairy: 'whimsical',
  festive: 'festive', celebration: 'festive', birthday: 'festive', christmas: 'festive', holiday: 'festive',
  eerie: 'eerie', creepy: 'eerie', spooky: 'eerie', haunted: 'eerie', halloween: 'eerie',
  hopeful: 'hopeful', hope: 'hopeful', inspiring: 'hopeful', inspired: 'hopeful', 
  epic: 'epic', majestic: 'epic', breathtaking: 'epic', vast: 'epic', legendary: 'epic',
};

/** Emoji (first code point, variation selectors stripped) → mood. */
export const MOOD_EMOJI: Record<string, Mood> = {
  '😀': 'joyful', '😃': 'joyful', '😄': 'joyful', '😁': 'joyful', '😊': 'joyful', '🙂': 'joyful', '😆': 'joyful',
  '🤩': 'joyful', '☀': 'joyful', '🌞': 'joyful', '🌈': 'hopeful',
  '😌': 'calm', '🧘': 'calm', '🌿': 'calm', '🍃': 'calm', '🌊': 'calm', '☕': 'cozy', '🕯': 'cozy', '🧣': 'cozy',
  '😢': 'melancholic', '😭': 'melancholic', '💔': 'melancholic', '🥀': 'melancholic', '🌧': 'melancholic',
  '📼': 'nostalgic', '📷': 'nostalgic', '🎞': 'nostalgic',
  '😍': 'romantic', '🥰': 'romantic', '❤': 'romantic', '💕': 'romantic', '💖': 'romantic', '💘': 'romantic', '🌹': 'romantic',
  '🔥': 'energetic', '⚡': 'energetic', '💥': 'energetic', '🚀': 'energetic', '💪': 'energetic',
  '🎉': 'festive', '🥳': 'festive', '🎊': 'festive', '🎂': 'festive', '🎄': 'festive', '🎆': 'festive',
  '✨': 'whimsical', '🦄': 'whimsical', '🧚': 'whimsical', '🌙': 'whimsical', '🌌': 'whimsical',
  '👻': 'eerie', '🎃': 'eerie', '🕸': 'eerie', '🌫': 'mysterious', '🔮': 'mysterious',
  '🏔': 'epic', '🌋': 'epic',
};

/** How each mood is lit: the builder adds this to the mood sentence. */
export const MOOD_LIGHT: Record<Mood, string> = {
  joyful: 'bright, warm light',
  calm: 'soft, even light',
  melancholic: 'muted colors and overcast light',
  nostalgic: 'warm, faded tones',
  romantic: 'warm golden light',
  cozy: 'warm indoor light',
  dramatic: 'high-contrast lighting',
  mysterious: 'low-key lighting and haze',
  energetic: 'dynamic lighting and vivid colors',
  whimsical: 'soft glowing light',
  festive: 'colorful lights',
  eerie: 'cold, dim light',
  hopeful: 'clear morning light',
  epic: 'sweeping natural light',
};

/** Social-media phrases that describe nothing visible: sentences with them are dropped when others remain. */
export const CALL_TO_ACTION_RE =
  /\b(?:link in (?:my )?bio|follow (?:me|us|for more)|subscribe|like and (?:share|subscribe)|dm (?:me|us)|check (?:it|this|them) out|click (?:the|here)|comment below|tag (?:a|your) friends?|giveaway|promo code|use (?:my )?code|discount|swipe up|tap the link|don'?t forget to|turn on notifications|sponsored by|thanks for watching|stay tuned)\b/i;

/** First words of a sentence that usually carry no picture ("can't wait…", "anyway…"). */
export const CHATTER_RE = /^(?:can'?t wait|anyway|btw|lol|omg|ok(?:ay)?|so yeah|just saying|what do you think|who else|any ideas)\b/i;

export const PERSON_NOUNS = new Set([
  'i', 'me', 'we', 'us', 'man', 'woman', 'boy', 'girl', 'person', 'people', 'friend', 'friends', 'kid', 'kids',
  'child', 'children', 'family', 'mom', 'dad', 'mother', 'father', 'sister', 'brother', 'grandma', 'grandpa',
  'baby', 'couple', 'dancer', 'singer', 'chef', 'surfer', 'skater', 'runner', 'crowd', 'he', 'she', 'they',
  'bride', 'groom', 'teacher', 'student', 'team', 'band', 'artist', 'musician', 'athlete', 'player',
]);

export const FOOD_NOUNS = new Set([
  'food', 'dish', 'meal', 'coffee', 'tea', 'cake', 'pizza', 'pasta', 'bread', 'soup', 'salad', 'burger', 'sushi',
  'ramen', 'dessert', 'breakfast', 'lunch', 'dinner', 'cocktail', 'wine', 'cookie', 'cookies', 'pancakes', 'latte',
]);

/** Words that never start a subject ("today my dog…" → "my dog"). */
export const SUBJECT_SKIP = new Set([
  'today', 'yesterday', 'tonight', 'finally', 'just', 'so', 'and', 'but', 'then', 'also', 'really', 'this', 'is',
  'was', 'here', 'there', 'when', 'while', 'after', 'before', 'ever', 'once', 'still', 'guess', 'what', 'look',
  'imagine', 'picture', 'remember', 'oh', 'wow', 'hey', 'well', 'now', 'lately', 'again',
]);

export const DETERMINERS = new Set(['a', 'an', 'the', 'my', 'our', 'your', 'his', 'her', 'their', 'its', 'this', 'that', 'these', 'those', 'some', 'two', 'three']);
